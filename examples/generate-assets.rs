//! Writes the shell completions and man pages that packages install into DIR
//! (see `tokendesk::cli::generate_assets`), printing each file's path:
//!
//! ```sh
//! cargo run --example generate-assets -- target/packaging/generated
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: generate-assets DIR (writes DIR/completions/ and DIR/man/)");
        return ExitCode::from(2);
    };
    match tokendesk::cli::generate_assets::write_all(&PathBuf::from(dir)) {
        Ok(files) => {
            for file in files {
                println!("{}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!(
                "generate-assets: {err}. Check that the directory can be created and written to."
            );
            ExitCode::FAILURE
        }
    }
}

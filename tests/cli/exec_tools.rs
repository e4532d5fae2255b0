#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Real GIS tools through `tokendesk exec` against the demo portal's protected feature layer:
//! GDAL's `ogrinfo` (Debian `gdal-bin`) reads it with the header file, and keeps reading it
//! across token renewals where a frozen header file stops working; the official ArcGIS API for
//! Python (`target/official-clients/venv`) queries it with the token (and an API key) from the
//! environment.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli exec_tools::

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::common::cli::{BOUND, Cli};
use crate::common::methods::{add_portal_profile, mint_api_key};

/// The federated server's protected layer.
const LAYER: &str = "/server/rest/services/Demo/FeatureServer/0";
/// What the demo portal's default seed puts in it.
const FEATURES: usize = 350;

fn layer_query(cli: &Cli) -> String {
    format!("{}{LAYER}/query?where=1%3D1&outFields=*&f=json", cli.origin)
}

/// `ogrinfo` summary lines in a loop: `ogrinfo` every `every` seconds, `times` times; stops
/// with exit 1 at the first run that does not see every feature.
fn ogrinfo_loop(times: u32, every: u32) -> String {
    format!(
        r#"i=0; while [ $i -lt {times} ]; do
  if ogrinfo -ro -al -so "$LAYER_QUERY" 2>&1 | grep -q "Feature Count: {FEATURES}"; then echo "ok $i"; else echo "failed $i"; exit 1; fi
  i=$((i+1)); if [ $i -lt {times} ]; then sleep {every}; fi
done"#
    )
}

#[tokio::test]
async fn ogrinfo_through_exec_reads_the_protected_layer_and_counts_its_features() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let run = cli
        .tokendesk(&[
            "exec",
            "demo",
            "--",
            "ogrinfo",
            "-ro",
            "-al",
            "-so",
            &layer_query(&cli),
        ])
        .env("CURL_CA_BUNDLE", &cli.ca)
        .run()
        .await;
    run.ok();
    assert!(
        run.stdout.contains(&format!("Feature Count: {FEATURES}")),
        "{run}"
    );
    // Without a token the layer does not open: the header file is what let GDAL in.
    let bare = tokio::process::Command::new("ogrinfo")
        .args(["-ro", "-al", "-so", &layer_query(&cli)])
        .env("CURL_CA_BUNDLE", &cli.ca)
        .env_remove("GDAL_HTTP_HEADER_FILE")
        .output()
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&bare.stdout).contains("Feature Count"),
        "{bare:?}"
    );
}

#[tokio::test]
async fn a_gdal_job_under_one_exec_outlives_many_30_second_tokens_where_a_frozen_header_file_fails()
{
    let cli = Cli::start(&["--access-token-seconds", "30"]).await;
    cli.signed_in("demo").await;
    // The frozen copy: the header as `token --json` gives it now, in a file nobody renews.
    let frozen_dir = tempfile::tempdir().unwrap();
    let frozen = frozen_dir.path().join("headers");
    let json: serde_json::Value =
        serde_json::from_str(&cli.run(&["token", "demo", "--json"]).await.stdout).unwrap();
    std::fs::write(
        &frozen,
        format!(
            "{}: {}\n",
            json["header"]["name"].as_str().unwrap(),
            json["header"]["value"].as_str().unwrap()
        ),
    )
    .unwrap();

    // Ten reads, ten seconds apart: more than 90 seconds, three token lifetimes.
    let script = ogrinfo_loop(10, 10);
    let living = cli
        .tokendesk(&["exec", "demo", "--", "sh", "-c", &script])
        .env("CURL_CA_BUNDLE", &cli.ca)
        .env("LAYER_QUERY", layer_query(&cli))
        .spawn();
    let dead = tokio::process::Command::new("sh")
        .args(["-c", &script])
        .env("CURL_CA_BUNDLE", &cli.ca)
        .env("LAYER_QUERY", layer_query(&cli))
        .env("GDAL_HTTP_HEADER_FILE", &frozen)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let (living, dead) = tokio::join!(living.finish_within(BOUND * 3), async {
        tokio::time::timeout(BOUND * 3, dead)
            .await
            .unwrap()
            .unwrap()
    });
    living.ok();
    assert_eq!(
        living
            .stdout
            .lines()
            .filter(|l| l.starts_with("ok "))
            .count(),
        10,
        "{living}"
    );
    assert!(living.took >= Duration::from_secs(90), "{living}");
    let dead_out = String::from_utf8_lossy(&dead.stdout);
    assert!(
        !dead.status.success(),
        "the frozen header file kept working: {dead_out}"
    );
    assert!(
        dead_out.contains("ok 0") && dead_out.contains("failed"),
        "{dead_out}"
    );
}

/// Writes `script` to a file and runs it with the venv's Python through `exec NAME`.
async fn python_through_exec(
    cli: &Cli,
    name: &str,
    script: &str,
) -> crate::common::cli::process::Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("query_layer.py");
    std::fs::write(&file, script).unwrap();
    let python = crate::common::venv_python();
    cli.tokendesk(&[
        "exec",
        name,
        "--",
        python.to_str().unwrap(),
        file.to_str().unwrap(),
    ])
    .env("CA", &cli.ca)
    .env("LAYER", format!("{}{LAYER}", cli.origin))
    .run()
    .await
}

#[tokio::test]
async fn the_arcgis_api_for_python_queries_the_layer_with_the_token_exec_gives_it() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let script = r#"import os
from arcgis.gis import GIS
from arcgis.features import FeatureLayer

gis = GIS(os.environ["ARCGIS_HOST"], token=os.environ["ARCGIS_TOKEN"], ca_bundles=os.environ["CA"])
print("user", gis.users.me.username)
features = FeatureLayer(os.environ["LAYER"], gis).query().features
print("features", len(features))
"#;
    let run = python_through_exec(&cli, "demo", script).await;
    run.ok();
    assert!(run.stdout.contains("user analyst"), "{run}");
    assert!(
        run.stdout.contains(&format!("features {FEATURES}")),
        "{run}"
    );
}

#[tokio::test]
async fn the_arcgis_api_for_python_queries_the_layer_with_the_api_key_exec_gives_it() {
    let cli = Cli::start(&[]).await;
    let key = mint_api_key(&cli, 1).await;
    cli.secret(&key);
    add_portal_profile(&cli, "maps", &["--method", "api-key"], &format!("{key}\n"))
        .await
        .ok();
    let script = r#"import os
from arcgis.gis import GIS
from arcgis.features import FeatureLayer

assert os.environ["ARCGIS_API_KEY"] == os.environ["ARCGIS_TOKEN"]
gis = GIS(os.environ["ARCGIS_HOST"], api_key=os.environ["ARCGIS_API_KEY"], ca_bundles=os.environ["CA"])
features = FeatureLayer(os.environ["LAYER"], gis).query().features
print("features", len(features))
"#;
    let run = python_through_exec(&cli, "maps", script).await;
    run.ok();
    assert!(
        run.stdout.contains(&format!("features {FEATURES}")),
        "{run}"
    );
}

#[tokio::test]
async fn the_gdal_snippet_runs_as_printed_and_reads_the_layer() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    // A profile that trusts the demo CA, so the snippet carries it.
    let layer = format!("{}{LAYER}", cli.origin);
    let snippet = cli.run(&["snippet", "demo", "gdal", "--url", &layer]).await;
    snippet.ok();
    assert!(snippet.stdout.contains("CURL_CA_BUNDLE="), "{snippet}");
    let bin_dir = Path::new(crate::common::cli::exe())
        .parent()
        .unwrap()
        .to_owned();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let run = cli
        .tokendesk_via(&["sh", "-c", &snippet.stdout, "sh"], &[])
        .env("PATH", path)
        .run()
        .await;
    run.ok();
    assert!(
        run.stdout.contains(&format!("Feature Count: {FEATURES}")),
        "{run}"
    );
}

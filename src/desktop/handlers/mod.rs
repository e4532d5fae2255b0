//! The host's command handlers, one file per concern. Each takes what it needs as
//! parameters (the engine, the window's [`Events`](super::events::Events), the clipboard,
//! the profiles' directories) and may use the host's lower files (`events`, `clipboard`,
//! `settings_file`) and the layers below (engine, store, auth, output, `ui` types); the
//! handlers never import each other, and only `dispatch` calls them.
//!
//! | file        | commands                                                                |
//! |-------------|-------------------------------------------------------------------------|
//! | `sign_in`   | browser / out-of-band sign-in with Cancel and pasted code, credential sign-in, open in browser |
//! | `profiles`  | save and delete a profile, the CA file dialog                            |
//! | `probe`     | the editor's Check                                                       |
//! | `demo_window` | "Try the demo portal": `tokendesk --demo` in a window of its own         |
//! | `tokens`    | copy a token in any format, copy an address, reveal, token for a service URL |
//! | `settings`  | apply the settings, write `settings.toml`                                |
//! | `header_files` | header files kept fresh for the profiles that ask for one             |
//! | `team_file` | export, preview and import team profile files                            |

pub(super) mod demo_window;
pub(super) mod header_files;
pub(super) mod probe;
pub(super) mod profiles;
pub(super) mod settings;
pub(super) mod sign_in;
pub(super) mod team_file;
pub(super) mod tokens;

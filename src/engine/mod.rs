//! The token lifecycle: the only code that changes token state.
//!
//! | file          | purpose                                                                   |
//! |---------------|---------------------------------------------------------------------------|
//! | [`schedule`]  | pure decisions: when to renew or exchange, backoff, what a failure means |
//! | [`state`]     | [`TokenState`] and [`ProfileStatus`]: a profile's state and its deadlines |
//! | [`record`]    | [`SessionRecord`]: what is kept in the keyring besides the access token   |
//! | `lifecycle`   | [`Engine`]: renewal under the cross-process lock, fresh tokens, 498       |
//! | `session`     | [`Engine::sign_in`] / [`Engine::sign_out`] with the profile's settings    |
//! | `credentials` | [`Engine::sign_in_with`] ([`Credentials`]): API key, app, password; re-issue |
//! | `api_key`     | API key profiles: the key handed out as it is, its status and expiry      |
//! | [`runner`]    | [`Runner`]: the background task for long-running hosts, at the host's [`Pace`] |
//! | `error`       | [`EngineError`] and its [`FailureClass`]                                  |
//! | `servers`     | [`Engine::token_for`] / [`Engine::token_for_url`]: a token for a service URL |
//! | `server_record` | [`ServerTokens`]: cached federated-server tokens (one keyring value)   |
//! | `clients`     | [`Clients`]: one HTTP client per trust setting (CA file), shared         |
//! | `registration`| [`check_app_registration`]: does the portal know the client ID and redirect |

mod api_key;
mod clients;
mod credentials;
mod error;
mod lifecycle;
pub mod record;
mod registration;
pub mod runner;
pub mod schedule;
mod server_record;
mod servers;
mod session;
pub mod state;

pub use api_key::no_expiry;
pub use clients::Clients;
pub use credentials::{CredentialSignIn, Credentials};
pub use error::{EngineError, FailureClass};
pub use lifecycle::{DEFAULT_LOCK_TIMEOUT, Due, Engine, FreshToken, Look, RenewalKind, Want};
pub use record::{Health, SessionRecord};
pub use registration::{RegistrationProblem, check_app_registration};
pub use runner::{EngineEvent, Pace, Runner, RunnerCommand};
pub use server_record::{ServerTokenEntry, ServerTokens};
pub use servers::{ServiceAccess, ServiceToken, ServiceTokenError, ServiceTokenKind, UrlAccess};
pub use session::{SignInRequest, SignedOut};
pub use state::{Deadlines, ProfileStatus, TokenState};

//! The command line's words for a profile's kind and sign-in method (`--kind`, `--method`,
//! and the `kind`/`method` fields of `--json` output), shared by `profile` and `probe`.

use crate::store::{SignInMethod, SiteKind};

/// The `--kind` word of a site kind.
pub(super) fn kind_word(kind: SiteKind) -> &'static str {
    match kind {
        SiteKind::ArcgisOnline => "online",
        SiteKind::EnterprisePortal => "enterprise",
        SiteKind::ArcgisServer => "server",
    }
}

/// The `--method` word of a sign-in method.
pub(super) fn method_word(method: SignInMethod) -> &'static str {
    match method {
        SignInMethod::BrowserPkce => "browser",
        SignInMethod::OutOfBand => "oob",
        SignInMethod::ApiKey => "api-key",
        SignInMethod::AppCredentials => "app-credentials",
        SignInMethod::PortalPassword => "portal-password",
        SignInMethod::ServerPassword => "server-password",
    }
}

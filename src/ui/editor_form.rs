//! The profile editor's form: the text a person types, turned into a [`ProfileDraft`] and
//! checked with [`ProfileDraft::validate`], with each error placed next to the field it is
//! about. Pure state, no drawing (that is [`super::editor`]).

use std::path::PathBuf;

use crate::arcgis::probe::{self, ProbeReport};
use crate::store::fields::InvalidLifetime;
use crate::store::{
    PreferredHeader, Profile, ProfileDraft, ProfileError, ProfileId, RedirectUri, SignInMethod,
    SiteKind, TokenBinding, TokenLifetime, recommend,
};

/// What the editor was opened for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorMode {
    /// A new profile.
    Add,
    /// Changing the profile with this id (its secrets stay filed under it).
    Edit(ProfileId),
    /// A new profile that starts as a copy of another one's settings.
    Duplicate,
}

/// A field of the form, for placing an error next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The profile name.
    Name,
    /// The portal or server URL.
    Url,
    /// The kind of site.
    Kind,
    /// The sign-in method.
    Method,
    /// The OAuth client id.
    ClientId,
    /// The OAuth redirect URI.
    Redirect,
    /// The user name (password sign-in).
    Username,
    /// The token binding (password sign-in).
    Binding,
    /// The referer.
    Referer,
    /// The token lifetime.
    Lifetime,
    /// The CA file.
    CaFile,
}

/// The unit a lifetime is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifetimeUnit {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
    /// The token does not expire (`-1`).
    Never,
}

impl LifetimeUnit {
    /// The units offered for `method`, in menu order: only OAuth refresh tokens can be
    /// asked not to expire.
    pub fn offered(method: SignInMethod) -> &'static [Self] {
        if method.uses_redirect() {
            &[Self::Minutes, Self::Hours, Self::Days, Self::Never]
        } else {
            &[Self::Minutes, Self::Hours, Self::Days]
        }
    }

    /// The word to show.
    pub fn label(self) -> &'static str {
        match self {
            Self::Minutes => "minutes",
            Self::Hours => "hours",
            Self::Days => "days",
            Self::Never => "never expires",
        }
    }

    fn minutes(self) -> u32 {
        match self {
            Self::Minutes | Self::Never => 1,
            Self::Hours => 60,
            Self::Days => 24 * 60,
        }
    }
}

/// What a generateToken token is bound to, as chosen in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingChoice {
    /// No binding given: the sign-in code picks its default.
    Default,
    /// `referer`.
    Referer,
    /// `requestip`.
    RequestIp,
    /// `ip:ADDRESS`, with the address typed in [`EditorForm::binding_ip`].
    Ip,
}

impl BindingChoice {
    /// Every choice, in menu order.
    pub const ALL: [Self; 4] = [Self::Default, Self::Referer, Self::RequestIp, Self::Ip];

    /// The words to show.
    pub fn label(self) -> &'static str {
        match self {
            Self::Default => "default (the referer when one is set)",
            Self::Referer => "referer",
            Self::RequestIp => "the address requests come from",
            Self::Ip => "a fixed IP address",
        }
    }
}

/// The state of the Check button's probe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProbeState {
    /// Not run (or the URL changed since).
    #[default]
    Idle,
    /// Running for this URL.
    Checking(String),
    /// Done: what was found, in plain words.
    Found(String),
    /// Failed: what happened and what to do.
    Failed(String),
}

/// The form's text and choices. Secrets are never part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorForm {
    /// What the editor was opened for.
    pub mode: EditorMode,
    /// Profile name.
    pub name: String,
    /// Kind of site.
    pub kind: SiteKind,
    /// Portal or server URL.
    pub url: String,
    /// Sign-in method.
    pub method: SignInMethod,
    /// OAuth client id.
    pub client_id: String,
    /// Redirect URI (empty: the method's default).
    pub redirect: String,
    /// User name (password sign-in; empty: asked at sign-in).
    pub username: String,
    /// ArcGIS Server sign-in as an administrator (`admin/generateToken`).
    pub server_admin: bool,
    /// Token binding.
    pub binding: BindingChoice,
    /// The address for [`BindingChoice::Ip`].
    pub binding_ip: String,
    /// Referer (empty: none).
    pub referer: String,
    /// Preferred header.
    pub header: PreferredHeader,
    /// Lifetime amount, as typed.
    pub lifetime_amount: String,
    /// Lifetime unit.
    pub lifetime_unit: LifetimeUnit,
    /// CA file (empty: the system's CAs only).
    pub ca_file: String,
    /// The Check button's probe.
    pub probe: ProbeState,
    /// Fields the person has changed (their errors show at once; others after Save).
    pub touched: Vec<Field>,
    /// Save was pressed at least once: every error shows.
    pub save_attempted: bool,
    /// Saving failed on the host side (e.g. the file could not be written).
    pub save_error: Option<String>,
    /// Opened from the first-run screen: a line that says what to paste, above the form.
    pub intro: Option<&'static str>,
}

/// An error of the form, with the field it belongs next to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// The field.
    pub field: Field,
    /// What is wrong and what to do.
    pub message: String,
}

impl EditorForm {
    /// An empty form for a new profile: browser sign-in to an Enterprise portal.
    pub fn add() -> Self {
        let draft = ProfileDraft::new(
            "",
            SiteKind::EnterprisePortal,
            "",
            SignInMethod::BrowserPkce,
        );
        Self::from_draft(EditorMode::Add, &draft)
    }

    /// A form holding `profile`'s settings, to change them.
    pub fn edit(profile: &Profile) -> Self {
        Self::from_draft(EditorMode::Edit(profile.id().clone()), &profile.draft())
    }

    /// A form for a new profile with `profile`'s settings and a free name derived from
    /// its own (`work-copy`, `work-copy-2`, …).
    pub fn duplicate(profile: &Profile, taken: &[String]) -> Self {
        let mut form = Self::from_draft(EditorMode::Duplicate, &profile.draft());
        form.name = free_copy_name(profile.name(), taken);
        form
    }

    fn from_draft(mode: EditorMode, draft: &ProfileDraft) -> Self {
        let (lifetime_amount, lifetime_unit) = lifetime_text(draft.expiration);
        let (binding, binding_ip) = match draft.token_binding {
            None => (BindingChoice::Default, String::new()),
            Some(TokenBinding::Referer) => (BindingChoice::Referer, String::new()),
            Some(TokenBinding::RequestIp) => (BindingChoice::RequestIp, String::new()),
            Some(TokenBinding::Ip(ip)) => (BindingChoice::Ip, ip.to_string()),
        };
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        Self {
            mode,
            name: draft.name.clone(),
            kind: draft.kind,
            url: draft.url.clone(),
            method: draft.sign_in,
            client_id: text(&draft.client_id),
            redirect: draft
                .redirect_uri
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            username: text(&draft.username),
            server_admin: draft.server_admin,
            binding,
            binding_ip,
            referer: text(&draft.referer),
            header: draft.header,
            lifetime_amount,
            lifetime_unit,
            ca_file: draft
                .ca_file
                .as_ref()
                .map(|path| path.display().to_string())
                .unwrap_or_default(),
            probe: ProbeState::Idle,
            touched: Vec::new(),
            save_attempted: false,
            save_error: None,
            intro: None,
        }
    }

    /// A new profile from the first-run screen: `url` filled in (ArcGIS Online's address, or
    /// nothing for "my organisation's site"), `intro` above the form.
    pub fn guided(kind: SiteKind, url: &str, intro: &'static str) -> Self {
        let mut form = Self::add();
        form.set_kind(kind);
        form.url = url.to_owned();
        form.intro = Some(intro);
        form
    }

    /// The portal's page where OAuth credentials are created (Content; then New item >
    /// Developer credentials), for the URL typed; `None` for a server or an unusable URL.
    pub fn credentials_page(&self) -> Option<url::Url> {
        if !self.kind.is_portal() {
            return None;
        }
        let portal = crate::arcgis::url::PortalUrl::parse(self.url.trim()).ok()?;
        url::Url::parse(&format!("{}/home/content.html", portal.base())).ok()
    }

    /// The redirect URIs to register for this method, as text.
    pub fn redirect_uris(&self) -> Vec<String> {
        match self.method {
            SignInMethod::OutOfBand => vec![RedirectUri::OutOfBand.to_string()],
            SignInMethod::BrowserPkce if self.redirect.trim().is_empty() => {
                vec!["http://127.0.0.1".to_owned()]
            }
            SignInMethod::BrowserPkce => vec![self.redirect.trim().to_owned()],
            _ => Vec::new(),
        }
    }

    /// The message a person sends their administrator to get a client ID: the portal, the
    /// type of app and the redirect URIs to register.
    pub fn administrator_request(&self) -> String {
        let site = match self.url.trim() {
            "" => "our ArcGIS portal".to_owned(),
            url => url.to_owned(),
        };
        let app = match self.method {
            SignInMethod::AppCredentials => {
                "OAuth credentials for an application (client credentials; I also need the                  client secret, sent separately)"
            }
            SignInMethod::OutOfBand => {
                "OAuth credentials for a public app (user sign-in, out-of-band code)"
            }
            _ => "OAuth credentials for a public app (user sign-in in the browser, PKCE)",
        };
        let redirects = self.redirect_uris();
        let redirect_line = if redirects.is_empty() {
            String::new()
        } else {
            format!("\nRedirect URI(s) to register: {}", redirects.join(", "))
        };
        format!(
            "Hello,\n\nTo sign in to {site} with TokenDesk I need a client ID.\nCould you \
             create it (Content > New item > Developer credentials) with these settings?\n\
             Type: {app}{redirect_line}\n\nThen send me the client ID, or a TokenDesk profile \
             file (`tokendesk profile export NAME --file team.toml`) that the whole team can \
             import.\n\nThank you!"
        )
    }

    /// Notes that the person changed `field`, so its error shows from now on.
    pub fn touch(&mut self, field: Field) {
        if !self.touched.contains(&field) {
            self.touched.push(field);
        }
        if field == Field::Url {
            self.probe = ProbeState::Idle;
        }
        self.save_error = None;
    }

    /// The methods offered for the current kind, in menu order.
    pub fn methods_for_kind(&self) -> Vec<SignInMethod> {
        ALL_METHODS
            .into_iter()
            .filter(|method| method.works_with(self.kind))
            .collect()
    }

    /// Sets the kind, and a method that works with it if the current one does not.
    pub fn set_kind(&mut self, kind: SiteKind) {
        self.kind = kind;
        if !self.method.works_with(kind) {
            self.method = if kind.is_portal() {
                SignInMethod::BrowserPkce
            } else {
                SignInMethod::ServerPassword
            };
        }
    }

    /// The draft the form describes, with the errors found while reading the typed text
    /// (redirect URI, lifetime, IP address) that [`ProfileDraft::validate`] cannot see.
    fn draft(&self) -> Result<ProfileDraft, FormError> {
        let method = self.method;
        let optional = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        let mut draft = ProfileDraft::new(&self.name, self.kind, &self.url, method);
        draft.header = self.header;
        draft.referer = optional(&self.referer);
        draft.ca_file = optional(self.ca_file.trim()).map(PathBuf::from);
        if method.needs_client_id() {
            draft.client_id = Some(self.client_id.clone());
        }
        if method.uses_redirect() && !self.redirect.trim().is_empty() {
            let uri = RedirectUri::parse(&self.redirect).map_err(|err| FormError {
                field: Field::Redirect,
                message: err.to_string(),
            })?;
            draft.redirect_uri = Some(uri);
        }
        draft.server_admin = self.server_admin && method == SignInMethod::ServerPassword;
        if method.uses_password() {
            draft.username = optional(&self.username);
            draft.token_binding = self.token_binding()?;
        }
        if uses_lifetime(method) {
            draft.expiration = self.lifetime().map_err(|err| FormError {
                field: Field::Lifetime,
                message: err,
            })?;
        }
        Ok(draft)
    }

    fn token_binding(&self) -> Result<Option<TokenBinding>, FormError> {
        Ok(match self.binding {
            BindingChoice::Default => None,
            BindingChoice::Referer => Some(TokenBinding::Referer),
            BindingChoice::RequestIp => Some(TokenBinding::RequestIp),
            BindingChoice::Ip => {
                let ip = self.binding_ip.trim().parse().map_err(|_| FormError {
                    field: Field::Binding,
                    message: format!(
                        "`{}` is not an IP address: give the address the token is bound to, \
                         such as 203.0.113.7",
                        self.binding_ip.trim()
                    ),
                })?;
                Some(TokenBinding::Ip(ip))
            }
        })
    }

    fn lifetime(&self) -> Result<TokenLifetime, String> {
        if self.lifetime_unit == LifetimeUnit::Never {
            return Ok(TokenLifetime::never());
        }
        let amount: u32 = self.lifetime_amount.trim().parse().map_err(|_| {
            format!(
                "`{}` is not a whole number: give how many {} the token lasts (e.g. 14 days)",
                self.lifetime_amount.trim(),
                self.lifetime_unit.label()
            )
        })?;
        let minutes = amount
            .checked_mul(self.lifetime_unit.minutes())
            .ok_or_else(|| "that lifetime is too long: give a shorter one".to_owned())?;
        TokenLifetime::minutes(minutes).map_err(|err: InvalidLifetime| err.to_string())
    }

    /// Checks the whole form: the validated profile (with a placeholder id; the host gives
    /// the real one), or the first error with its field. `taken` are the names of the other
    /// profiles.
    pub fn check(&self, taken: &[String]) -> Result<ProfileDraft, FormError> {
        if taken
            .iter()
            .any(|name| name.eq_ignore_ascii_case(&self.name))
        {
            let err = ProfileError::DuplicateName(self.name.clone());
            return Err(FormError {
                field: Field::Name,
                message: err.to_string(),
            });
        }
        let draft = self.draft()?;
        draft
            .clone()
            .validate(ProfileId::generate())
            .map_err(|err| FormError {
                field: field_of(&err),
                message: err.to_string(),
            })?;
        Ok(draft)
    }

    /// The error to show now: the form's first error, if its field was touched or Save was
    /// pressed.
    pub fn visible_error(&self, taken: &[String]) -> Option<FormError> {
        let err = self.check(taken).err()?;
        (self.save_attempted || self.touched.contains(&err.field)).then_some(err)
    }

    /// Fills in the kind and method from what Check found at `url`. A result for another
    /// URL than the one being checked (the person typed on meanwhile) is dropped.
    pub fn probe_finished(&mut self, url: &str, result: Result<ProbeReport, String>) {
        if self.probe != ProbeState::Checking(url.to_owned()) {
            return;
        }
        self.probe = match result {
            Err(message) => ProbeState::Failed(message),
            Ok(report) => ProbeState::Found(self.apply_probe(&report)),
        };
    }

    fn apply_probe(&mut self, report: &ProbeReport) -> String {
        let found = report.kind.describe();
        let Some(recommendation) = recommend(report) else {
            return format!("{found}: its services need no token, so no profile is needed");
        };
        self.set_kind(recommendation.kind);
        self.method = recommendation.method;
        if self.name.trim().is_empty()
            && let Some(name) = suggested_name(&recommendation.url)
        {
            self.name = name;
        }
        if report.kind == probe::FoundKind::FederatedServer {
            self.url = recommendation.url.clone();
            self.touch(Field::Url);
        }
        self.touched
            .retain(|field| !matches!(field, Field::Kind | Field::Method));
        let version = report
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        // The window's font has no arrows ("Content → New item").
        let why = super::remedy::with_remedy(&recommendation.why, recommendation.remedy.as_ref())
            .replace('→', ">");
        format!("{found}{version}: kind and sign-in method filled in. {why}")
    }

    /// The line that says what to register in the portal for the redirect.
    pub fn redirect_hint(&self) -> Option<String> {
        if !self.method.uses_redirect() {
            return None;
        }
        let uri = match self.method {
            SignInMethod::OutOfBand => RedirectUri::OutOfBand.to_string(),
            _ if self.redirect.trim().is_empty() => "http://127.0.0.1/".to_owned(),
            _ => self.redirect.trim().to_owned(),
        };
        let any_port = matches!(
            RedirectUri::parse(&uri),
            Ok(RedirectUri::LoopbackAnyPort { .. })
        );
        let suffix = if any_port {
            " (TokenDesk picks a free port; the portal ignores the port of loopback redirects)"
        } else {
            ""
        };
        Some(format!(
            "Register {uri} as a redirect URI of the OAuth app in the portal{suffix}."
        ))
    }
}

/// Methods in the order the menu lists them.
const ALL_METHODS: [SignInMethod; 6] = [
    SignInMethod::BrowserPkce,
    SignInMethod::OutOfBand,
    SignInMethod::ApiKey,
    SignInMethod::AppCredentials,
    SignInMethod::PortalPassword,
    SignInMethod::ServerPassword,
];

/// Whether the method asks the portal for a token lifetime.
pub fn uses_lifetime(method: SignInMethod) -> bool {
    method != SignInMethod::ApiKey
}

/// The label of the lifetime field for `method`.
pub fn lifetime_label(method: SignInMethod) -> &'static str {
    if method.uses_redirect() {
        "Refresh-token lifetime"
    } else {
        "Token lifetime"
    }
}

fn lifetime_text(lifetime: TokenLifetime) -> (String, LifetimeUnit) {
    let minutes = i64::from(lifetime);
    if minutes < 0 {
        return ("14".to_owned(), LifetimeUnit::Never);
    }
    let unit = [LifetimeUnit::Days, LifetimeUnit::Hours]
        .into_iter()
        .find(|unit| minutes % i64::from(unit.minutes()) == 0)
        .unwrap_or(LifetimeUnit::Minutes);
    ((minutes / i64::from(unit.minutes())).to_string(), unit)
}

/// A profile name from a site's host: `gis.example.com` → `gis-example-com`, ArcGIS
/// Online's `www.arcgis.com` → `arcgis-online`.
pub fn suggested_name(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    if host == "www.arcgis.com" || host == "arcgis.com" {
        return Some("arcgis-online".to_owned());
    }
    let name: String = host
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = name.trim_matches('-');
    let name: String = name
        .chars()
        .take(crate::store::profile::MAX_NAME_LEN)
        .collect();
    (!name.is_empty()).then_some(name)
}

fn free_copy_name(name: &str, taken: &[String]) -> String {
    let is_taken = |candidate: &str| taken.iter().any(|t| t.eq_ignore_ascii_case(candidate));
    let first = format!("{name}-copy");
    if !is_taken(&first) {
        return first;
    }
    (2..)
        .map(|n| format!("{name}-copy-{n}"))
        .find(|candidate| !is_taken(candidate))
        .unwrap_or(first)
}

fn field_of(err: &ProfileError) -> Field {
    match err {
        ProfileError::BadName(_)
        | ProfileError::NameLooksLikeId(_)
        | ProfileError::DuplicateName(_) => Field::Name,
        ProfileError::BadUrl { .. } | ProfileError::NotArcgisOnline { .. } => Field::Url,
        ProfileError::MethodNotForKind { .. } => Field::Method,
        ProfileError::MissingClientId(_) => Field::ClientId,
        ProfileError::RedirectMismatch { .. } => Field::Redirect,
        ProfileError::BindingWithoutReferer => Field::Referer,
        ProfileError::RelativeCaFile(_) => Field::CaFile,
        ProfileError::NotUsedByMethod { field, .. } | ProfileError::BadText { field } => {
            match *field {
                "client_id" => Field::ClientId,
                "username" => Field::Username,
                "token_binding" => Field::Binding,
                "redirect_uri" => Field::Redirect,
                _ => Field::Referer,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> EditorForm {
        let mut form = EditorForm::add();
        form.name = "work".into();
        form.url = "https://gis.example.com/portal".into();
        form.client_id = "abc123".into();
        form
    }

    #[test]
    fn a_filled_in_form_gives_the_draft_with_the_default_redirect_and_lifetime() {
        let draft = filled().check(&[]).unwrap();
        assert_eq!(draft.client_id.as_deref(), Some("abc123"));
        assert_eq!(draft.expiration, TokenLifetime::default());
        assert_eq!(draft.redirect_uri, None);
    }

    #[test]
    fn each_error_is_placed_next_to_its_field() {
        let mut form = filled();
        form.client_id.clear();
        assert_eq!(form.check(&[]).unwrap_err().field, Field::ClientId);

        let mut form = filled();
        form.redirect = "http://localhost:8400/cb".into();
        let err = form.check(&[]).unwrap_err();
        assert_eq!(err.field, Field::Redirect);
        assert!(err.message.contains("127.0.0.1"), "{}", err.message);

        let mut form = filled();
        form.lifetime_amount = "two".into();
        assert_eq!(form.check(&[]).unwrap_err().field, Field::Lifetime);

        let mut form = filled();
        form.ca_file = "certs/ca.pem".into();
        assert_eq!(form.check(&[]).unwrap_err().field, Field::CaFile);
    }

    #[test]
    fn a_name_another_profile_has_is_refused_whatever_its_case() {
        let err = filled().check(&["WORK".to_owned()]).unwrap_err();
        assert_eq!(err.field, Field::Name);
        assert!(err.message.contains("exists already"), "{}", err.message);
    }

    #[test]
    fn errors_of_untouched_fields_wait_until_save_is_pressed() {
        let mut form = EditorForm::add();
        assert_eq!(form.visible_error(&[]), None);
        form.touch(Field::Name);
        assert_eq!(form.visible_error(&[]).unwrap().field, Field::Name);
        form.name = "work".into();
        assert_eq!(form.visible_error(&[]), None, "the URL was not touched yet");
        form.save_attempted = true;
        assert_eq!(form.visible_error(&[]).unwrap().field, Field::Url);
    }

    #[test]
    fn lifetimes_read_back_in_the_largest_whole_unit() {
        assert_eq!(
            lifetime_text(TokenLifetime::default()),
            ("14".into(), LifetimeUnit::Days)
        );
        assert_eq!(
            lifetime_text(TokenLifetime::minutes(90).unwrap()),
            ("90".into(), LifetimeUnit::Minutes)
        );
        assert_eq!(lifetime_text(TokenLifetime::never()).1, LifetimeUnit::Never);
        let mut form = filled();
        form.lifetime_amount = "2".into();
        form.lifetime_unit = LifetimeUnit::Hours;
        assert_eq!(
            form.check(&[]).unwrap().expiration,
            TokenLifetime::minutes(120).unwrap()
        );
    }

    #[test]
    fn a_duplicate_gets_the_first_free_copy_name() {
        let profile = filled()
            .check(&[])
            .unwrap()
            .validate(ProfileId::generate())
            .unwrap();
        let taken = vec!["work".to_owned(), "work-copy".to_owned()];
        let form = EditorForm::duplicate(&profile, &taken);
        assert_eq!(form.name, "work-copy-2");
        assert_eq!(form.mode, EditorMode::Duplicate);
        assert_eq!(form.client_id, "abc123");
    }

    #[test]
    fn changing_to_a_server_kind_picks_the_server_password_method() {
        let mut form = filled();
        form.set_kind(SiteKind::ArcgisServer);
        assert_eq!(form.method, SignInMethod::ServerPassword);
        assert_eq!(form.methods_for_kind(), vec![SignInMethod::ServerPassword]);
    }

    #[test]
    fn a_probe_result_for_a_url_no_longer_being_checked_is_dropped() {
        let mut form = filled();
        form.probe = ProbeState::Checking("https://other.example.com/portal".into());
        form.probe_finished("https://gis.example.com/portal", Err("boom".into()));
        assert!(matches!(form.probe, ProbeState::Checking(_)));
    }

    #[test]
    fn the_redirect_hint_names_the_uri_to_register() {
        let mut form = filled();
        let hint = form.redirect_hint().unwrap();
        assert!(hint.starts_with("Register http://127.0.0.1/ as"), "{hint}");
        form.method = SignInMethod::OutOfBand;
        assert!(
            form.redirect_hint()
                .unwrap()
                .contains("urn:ietf:wg:oauth:2.0:oob")
        );
        form.method = SignInMethod::ApiKey;
        assert_eq!(form.redirect_hint(), None);
    }

    #[test]
    fn a_profile_name_is_suggested_from_the_sites_host() {
        assert_eq!(
            suggested_name("https://gis.example.com/portal").as_deref(),
            Some("gis-example-com")
        );
        assert_eq!(
            suggested_name("https://www.arcgis.com").as_deref(),
            Some("arcgis-online")
        );
        assert_eq!(suggested_name("not a url"), None);
    }

    #[test]
    fn the_request_for_the_administrator_names_the_portal_the_app_type_and_the_redirects() {
        let mut form = filled();
        let request = form.administrator_request();
        assert!(
            request.contains("https://gis.example.com/portal"),
            "{request}"
        );
        assert!(request.contains("browser, PKCE"), "{request}");
        assert!(request.contains("http://127.0.0.1"), "{request}");
        form.method = SignInMethod::OutOfBand;
        let request = form.administrator_request();
        assert!(request.contains("urn:ietf:wg:oauth:2.0:oob"), "{request}");
        assert_eq!(
            form.credentials_page().map(|u| u.to_string()).as_deref(),
            Some("https://gis.example.com/portal/home/content.html")
        );
    }
}

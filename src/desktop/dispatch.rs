//! The host's async loop: opens the secrets (keyring, or session memory said out loud),
//! reads the profiles, runs one engine [`Runner`] per profile, routes each of the screens'
//! commands to its handler (`handlers/`) and forwards what the engine reports. It keeps the
//! registry only (profiles, runners, sign-ins under way); the work is in the handlers.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::clipboard::TokenClipboard;
use super::demo;
use super::events::{Events, notice_error};
use super::handlers::sign_in::{self, SignInDone, SignInHandle};
use super::handlers::{demo_window, header_files, probe, profiles, settings, team_file, tokens};
use super::host_config::{HostConfig, KEYRING_TIMEOUT, SecretsChoice, Setup};
use super::user_info;
use crate::auth::Browser;
use crate::engine::{Engine, EngineEvent, Pace, Runner, RunnerCommand, TokenState};
use crate::output::Format;
use crate::output::clipboard::DEFAULT_CLEAR_DELAY;
use crate::secret::Secret;
use crate::store::tiers::{self, StoreTier};
use crate::store::{
    AsyncSecrets, MemoryStore, Paths, Profile, ProfileId, ProfileStore, SecretStore,
};
use crate::ui::remedy::with_remedy;
use crate::ui::screens::ScreenEvent;
use crate::ui::settings::Settings;
use crate::ui::{Command, Event, NoticeLevel};

/// Runs until the window goes away (the command channel closes).
pub(super) async fn run(
    config: HostConfig,
    events: Events,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let HostConfig {
        setup,
        secrets,
        clock,
        browser,
        clipboard,
        tray: _,
        notifications: _,
        instance: _,
        autostart_dir,
    } = config;
    let clipboard = TokenClipboard::open(clipboard, Arc::clone(&clock), DEFAULT_CLEAR_DELAY).await;
    // Kept alive as long as the loop runs: the demo portal and its throw-away directory.
    let (paths, _demo) = match setup {
        Setup::Profiles(paths) => (paths, None),
        Setup::Demo => match demo::prepare(&events).await {
            Ok((paths, guard)) => (paths, Some(guard)),
            Err(message) => {
                events.send(Event::Ready { session_only: None });
                notice_error(&events, message);
                return;
            }
        },
    };
    let (store, session_only, tier) = open_secrets(secrets, &paths).await;
    let engine = Arc::new(Engine::new(AsyncSecrets::new(store), &paths, clock));
    events.send(Event::Ready { session_only });
    if let Some(tier) = tier.filter(|tier| *tier != StoreTier::Keyring) {
        events.send(Event::Notice {
            level: NoticeLevel::Info,
            text: format!("Secrets are kept in {} ({tier}).", tier.place()),
        });
    }

    let (engine_events, mut engine_receiver) = mpsc::unbounded_channel();
    let (done_sender, mut done_receiver) = mpsc::unbounded_channel();
    let mut worker = Worker {
        engine,
        events,
        browser,
        profiles: HashMap::new(),
        runners: HashMap::new(),
        pace: Pace::default(),
        sign_ins: HashMap::new(),
        users_read: HashSet::new(),
        settings: None,
        engine_events,
        done: done_sender,
        paths,
        clipboard,
        autostart_dir,
        header_written: HashMap::new(),
    };
    worker.reload_profiles().await;

    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(command) => worker.handle(command).await,
                None => break,
            },
            Some(event) = engine_receiver.recv() => worker.forward(event),
            Some(done) = done_receiver.recv() => worker.sign_in_done(done).await,
        }
    }
    worker.stop().await;
}

/// The secret store, its tier when known, and, when it is session memory for want of a
/// keyring (or by choice), why.
async fn open_secrets(
    choice: SecretsChoice,
    paths: &Paths,
) -> (Arc<dyn SecretStore>, Option<String>, Option<StoreTier>) {
    let opened = match choice {
        SecretsChoice::Given(store) => return (store, None, None),
        SecretsChoice::Keyring => return open_chosen_tier(paths).await,
        SecretsChoice::Open(opener) => match tokio::task::spawn_blocking(opener).await {
            Ok(result) => result,
            Err(err) => {
                let why = format!("opening the keyring failed unexpectedly: {err}");
                return (Arc::new(MemoryStore::new()), Some(why), None);
            }
        },
    };
    match opened {
        Ok(store) => (store, None, Some(StoreTier::Keyring)),
        Err(why) => {
            tracing::warn!(%why, "no keyring: session-only mode");
            let text = with_remedy(&why.to_string(), Some(&why.remedy()));
            (Arc::new(MemoryStore::new()), Some(text), None)
        }
    }
}

/// The tier `TOKENDESK_STORE` or the settings file chose (the best one that answers when
/// neither did), opened; session memory, said out loud, when it cannot be. The encrypted
/// file takes its passphrase from `TOKENDESK_PASSPHRASE_FILE` (the window has no prompt).
async fn open_chosen_tier(
    paths: &Paths,
) -> (Arc<dyn SecretStore>, Option<String>, Option<StoreTier>) {
    let memory = |why: String| -> (Arc<dyn SecretStore>, Option<String>, Option<StoreTier>) {
        tracing::warn!(%why, "session-only mode");
        (
            Arc::new(MemoryStore::new()),
            Some(why),
            Some(StoreTier::Memory),
        )
    };
    let chosen = match std::env::var("TOKENDESK_STORE") {
        Ok(name) if !name.is_empty() => match name.parse::<StoreTier>() {
            Ok(tier) => Some(tier),
            Err(err) => return memory(format!("TOKENDESK_STORE: {err}")),
        },
        _ => match tiers::machine_choice(paths) {
            Ok(tier) => tier,
            Err(err) => return memory(err.to_string()),
        },
    };
    if chosen == Some(StoreTier::Memory) {
        return memory("the memory tier was chosen (TOKENDESK_STORE or settings.toml)".to_owned());
    }
    let passphrase = match chosen {
        Some(StoreTier::EncryptedFile) => {
            let file = std::env::var_os("TOKENDESK_PASSPHRASE_FILE").filter(|f| !f.is_empty());
            let read = file.map(|file| tiers::read_passphrase_file(std::path::Path::new(&file)));
            match read {
                Some(Ok((Some(passphrase), _))) => Some(passphrase),
                _ => {
                    return memory(
                        "the encrypted-file tier was chosen, and the window reads its \
                         passphrase only from the file TOKENDESK_PASSPHRASE_FILE names, which \
                         is not set or not readable"
                            .to_owned(),
                    );
                }
            }
        }
        _ => None,
    };
    match tiers::open_within(chosen, paths, passphrase, true, KEYRING_TIMEOUT).await {
        Ok(opened) => (opened.store, None, Some(opened.tier)),
        Err(err) => {
            let text = with_remedy(&err.to_string(), err.remedy().as_ref());
            memory(text)
        }
    }
}

/// The host's state: the registry of profiles, runners and sign-ins, and what the handlers
/// are given. [`Worker::handle`] routes each command to its handler in `handlers/`.
pub(super) struct Worker {
    /// The engine (keyring or session memory behind it).
    pub(super) engine: Arc<Engine>,
    /// To the screens.
    pub(super) events: Events,
    /// The profiles file's directories.
    pub(super) paths: Paths,
    /// The clipboard.
    pub(super) clipboard: TokenClipboard,
    /// Where the autostart entry goes (`None`: not managed).
    pub(super) autostart_dir: Option<std::path::PathBuf>,
    /// The token expiry each kept header file was last written for.
    pub(super) header_written: HashMap<ProfileId, Option<crate::arcgis::Instant>>,
    browser: Arc<dyn Browser>,
    profiles: HashMap<ProfileId, Profile>,
    runners: HashMap<ProfileId, Runner>,
    /// How often the runners look for changes made by other processes.
    pace: Pace,
    sign_ins: HashMap<ProfileId, SignInHandle>,
    /// Profiles whose user details were read (or are being read) for the current session.
    users_read: HashSet<ProfileId>,
    /// The settings in force: `None` until the window sends the ones it started with.
    settings: Option<Settings>,
    engine_events: mpsc::UnboundedSender<EngineEvent>,
    done: mpsc::UnboundedSender<SignInDone>,
}

impl Worker {
    /// Reads the profiles file again (off the async threads: it takes a file lock), tells
    /// the screens, and starts, restarts or stops runners for what was added, changed or
    /// removed. Call it after changing the file.
    pub(super) async fn reload_profiles(&mut self) {
        let paths = self.paths.clone();
        let opened = tokio::task::spawn_blocking(move || ProfileStore::open(&paths)).await;
        let list = match opened {
            Ok(Ok((store, notice))) => {
                if let Some(notice) = notice {
                    notice_error(&self.events, notice.to_string());
                }
                store.list().to_vec()
            }
            Ok(Err(err)) => {
                notice_error(
                    &self.events,
                    format!("The profiles could not be read: {err}"),
                );
                return;
            }
            Err(err) => {
                notice_error(
                    &self.events,
                    format!("Reading the profiles failed unexpectedly: {err}"),
                );
                return;
            }
        };
        self.events.send(Event::Profiles(list.clone()));
        let gone: Vec<ProfileId> = self
            .profiles
            .keys()
            .filter(|id| !list.iter().any(|p| p.id() == *id))
            .cloned()
            .collect();
        for id in gone {
            self.profiles.remove(&id);
            self.users_read.remove(&id);
            if let Some(handle) = self.sign_ins.remove(&id) {
                handle.cancel();
            }
            if let Some(runner) = self.runners.remove(&id) {
                tokio::spawn(runner.stop());
            }
        }
        for profile in list {
            if self.profiles.get(profile.id()) != Some(&profile) {
                self.users_read.remove(profile.id());
                self.start_runner(&profile);
                self.profiles.insert(profile.id().clone(), profile);
            }
        }
    }

    /// (Re)starts the profile's runner; it publishes the stored state at once.
    fn start_runner(&mut self, profile: &Profile) {
        let runner = Runner::spawn_paced(
            Arc::clone(&self.engine),
            profile.clone(),
            self.engine_events.clone(),
            &self.pace,
        );
        if let Some(old) = self.runners.insert(profile.id().clone(), runner) {
            tokio::spawn(old.stop());
        }
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::ReloadProfiles => self.reload_profiles().await,
            Command::SignIn(id) => self.sign_in(&id),
            Command::CancelSignIn(id) => {
                if let Some(handle) = self.sign_ins.get(&id) {
                    handle.cancel();
                }
            }
            Command::SubmitPastedCode { profile, code } => self.paste(&profile, code),
            Command::OpenInBrowser(url) => {
                sign_in::open_in_browser(Arc::clone(&self.browser), self.events.clone(), url);
            }
            Command::SignOut(id) => {
                self.users_read.remove(&id);
                self.tell_runner(&id, RunnerCommand::SignOut).await;
            }
            Command::RefreshNow(id) => self.tell_runner(&id, RunnerCommand::RefreshNow).await,
            Command::CopyPlainText(text) => {
                tokens::copy_address(self.clipboard.clone(), self.events.clone(), text);
            }
            Command::Copy { profile, format } => self.copy(&profile, format),
            Command::Reveal(id) => {
                if let Some(profile) = self.profiles.get(&id).cloned() {
                    tokens::reveal(Arc::clone(&self.engine), self.events.clone(), profile);
                }
            }
            Command::CheckSite { url, ca_file } => {
                let now = self.engine.clock().now();
                probe::check_site(self.events.clone(), url, ca_file, now);
            }
            Command::PickCaFile => profiles::pick_ca_file(self.events.clone()),
            Command::SaveProfile { mode, draft } => {
                match profiles::save(self.paths.clone(), mode, draft).await {
                    Ok(profile) => {
                        let id = profile.id().clone();
                        // The list is read again; the profile's runner (re)starts.
                        self.reload_profiles().await;
                        self.events
                            .send(Event::Screens(ScreenEvent::ProfileSaved(id)));
                    }
                    Err(message) => {
                        self.events
                            .send(Event::Screens(ScreenEvent::SaveFailed(message)));
                    }
                }
            }
            Command::DeleteProfile(id) => self.delete(&id).await,
            Command::TryDemo => demo_window::open(&self.events),
            Command::WindowShown(shown) => self.pace.set(if shown {
                Pace::WATCHING
            } else {
                Pace::BACKGROUND
            }),
            Command::LookNow => self.pace.look_now(),
            Command::TeamFile(command) => {
                // An import's answer follows the list read again, so its profile is selected.
                if let Some(imported) = team_file::handle(command, &self.paths, &self.events).await
                {
                    self.reload_profiles().await;
                    self.events.send(Event::Screens(imported));
                }
            }
            Command::SignInWith {
                profile,
                credentials,
            } => {
                if let Some(found) = self.profiles.get(&profile).cloned() {
                    let restart = self.done.clone();
                    sign_in::sign_in_with(
                        Arc::clone(&self.engine),
                        self.events.clone(),
                        found,
                        credentials,
                        move |signed_in| {
                            let _ = restart.send(SignInDone {
                                profile,
                                signed_in,
                                user: None,
                            });
                        },
                    );
                }
            }
            Command::FindServiceToken(url) => tokens::find_service_token(
                Arc::clone(&self.engine),
                self.events.clone(),
                self.profiles.values().cloned().collect(),
                url,
            ),
            Command::CopyServiceToken { url, format } => tokens::copy_service_token(
                Arc::clone(&self.engine),
                self.clipboard.clone(),
                self.events.clone(),
                self.profiles.values().cloned().collect(),
                url,
                format,
            ),
            Command::ApplySettings(chosen) => {
                self.follow_header_files(&chosen);
                settings::apply(
                    &mut self.settings,
                    chosen,
                    &self.engine,
                    &self.clipboard,
                    &self.paths,
                    self.autostart_dir.as_deref(),
                    &self.events,
                );
            }
        }
    }

    fn copy(&self, id: &ProfileId, format: Format) {
        if let Some(profile) = self.profiles.get(id).cloned() {
            tokens::copy(
                Arc::clone(&self.engine),
                self.clipboard.clone(),
                self.events.clone(),
                profile,
                format,
            );
        }
    }

    /// Signs the profile out, removes it and its secrets, and stops its runner.
    async fn delete(&mut self, id: &ProfileId) {
        let Some(profile) = self.profiles.get(id).cloned() else {
            return;
        };
        if let Some(handle) = self.sign_ins.remove(id) {
            handle.cancel();
        }
        match profiles::delete(&self.engine, self.paths.clone(), &profile).await {
            Ok(revoke_failed) => {
                if let Some(runner) = self.runners.remove(id) {
                    runner.stop().await;
                }
                self.profiles.remove(id);
                self.users_read.remove(id);
                let mut text = format!("Deleted {} and its secrets.", profile.name());
                if let Some(reason) = revoke_failed {
                    text.push_str(&format!(
                        " The portal did not revoke its refresh token ({reason}); it stays valid \
                         on the portal until it expires."
                    ));
                }
                self.events.send(Event::Notice {
                    level: NoticeLevel::Info,
                    text,
                });
                self.reload_profiles().await;
            }
            Err(message) => notice_error(&self.events, message),
        }
    }

    fn sign_in(&mut self, id: &ProfileId) {
        if self.sign_ins.contains_key(id) {
            return;
        }
        let Some(profile) = self.profiles.get(id).cloned() else {
            return;
        };
        let handle = sign_in::start(
            Arc::clone(&self.engine),
            profile,
            Arc::clone(&self.browser),
            self.events.clone(),
            self.done.clone(),
        );
        self.sign_ins.insert(id.clone(), handle);
    }

    fn paste(&self, id: &ProfileId, code: Secret<String>) {
        if let Some(handle) = self.sign_ins.get(id)
            && !handle.paste(code)
        {
            notice_error(
                &self.events,
                "The code could not be handed to the sign-in, which has ended. Press Sign in to \
                 start again."
                    .to_owned(),
            );
        }
    }

    async fn sign_in_done(&mut self, done: SignInDone) {
        self.sign_ins.remove(&done.profile);
        let Some(profile) = self.profiles.get(&done.profile).cloned() else {
            return;
        };
        if !done.signed_in {
            return;
        }
        match done.user {
            // The sign-in read the user on its way: shown as it is (only the organisation's
            // name is looked up).
            Some(user) => {
                self.users_read.insert(profile.id().clone());
                user_info::show(
                    Arc::clone(&self.engine),
                    profile.clone(),
                    user,
                    self.events.clone(),
                );
            }
            None => {
                self.users_read.remove(profile.id());
            }
        }
        // The profile's runner is told, and reads the new session at once.
        if self.runners.contains_key(profile.id()) {
            self.tell_runner(profile.id(), RunnerCommand::SessionChanged)
                .await;
        } else {
            self.start_runner(&profile);
        }
    }

    async fn tell_runner(&mut self, id: &ProfileId, command: RunnerCommand) {
        let Some(runner) = self.runners.get(id) else {
            return;
        };
        if !runner.send(command).await {
            notice_error(
                &self.events,
                "The background renewal of this profile had stopped; it was restarted. Try \
                 again."
                    .to_owned(),
            );
            if let Some(profile) = self.profiles.get(id).cloned() {
                self.start_runner(&profile);
            }
        }
    }

    /// Forwards an engine event; a newly valid session gets its user details read.
    /// Whether `profile` keeps a header file.
    fn keeps_header_file(&self, profile: &ProfileId) -> bool {
        self.settings
            .as_ref()
            .is_some_and(|settings| settings.header_files.contains(profile.as_str()))
    }

    /// Writes the header files newly asked for (of signed-in profiles) and removes those no
    /// longer wanted.
    fn follow_header_files(&mut self, chosen: &Settings) {
        let wanted = |id: &ProfileId| chosen.header_files.contains(id.as_str());
        let gone: Vec<ProfileId> = self
            .header_written
            .keys()
            .filter(|id| !wanted(id))
            .cloned()
            .collect();
        for id in gone {
            self.header_written.remove(&id);
            if let Some(profile) = self.profiles.get(&id) {
                header_files::remove(&self.events, profile);
            }
        }
        for (id, profile) in &self.profiles {
            if wanted(id) && !self.header_written.contains_key(id) && self.users_read.contains(id) {
                self.header_written.insert(id.clone(), None);
                header_files::write(
                    Arc::clone(&self.engine),
                    self.events.clone(),
                    profile.clone(),
                );
            }
        }
    }

    /// Keeps `profile`'s header file in step with its state: rewritten after each renewal,
    /// removed when the session is gone.
    fn follow_header_file(&mut self, profile: &ProfileId, status: &crate::engine::ProfileStatus) {
        if !self.keeps_header_file(profile) {
            return;
        }
        let Some(found) = self.profiles.get(profile) else {
            return;
        };
        match status.state {
            TokenState::Valid => {
                let expires = status.deadlines.access_expires_at;
                if self.header_written.get(profile) != Some(&expires) {
                    self.header_written.insert(profile.clone(), expires);
                    header_files::write(
                        Arc::clone(&self.engine),
                        self.events.clone(),
                        found.clone(),
                    );
                }
            }
            TokenState::SignedOut | TokenState::NeedsSignIn { .. }
                if self.header_written.remove(profile).is_some() =>
            {
                header_files::remove(&self.events, found);
            }
            _ => {}
        }
    }

    fn forward(&mut self, event: EngineEvent) {
        match event {
            EngineEvent::StateChanged { profile, status } => {
                self.follow_header_file(&profile, &status);
                if status.state == TokenState::Valid
                    && let Some(found) = self.profiles.get(&profile)
                    && self.users_read.insert(profile.clone())
                {
                    user_info::read(Arc::clone(&self.engine), found.clone(), self.events.clone());
                }
                if status.state == TokenState::SignedOut {
                    self.users_read.remove(&profile);
                }
                self.events.send(Event::Status { profile, status });
            }
            EngineEvent::Activity {
                profile,
                at,
                message,
                remedy,
                ..
            } => {
                let message = with_remedy(&message, remedy.as_ref());
                self.events.send(Event::Activity {
                    profile,
                    at,
                    message,
                });
            }
        }
    }

    async fn stop(self) {
        self.clipboard.clear_now();
        for id in self.header_written.keys() {
            if let Some(profile) = self.profiles.get(id) {
                header_files::remove(&self.events, profile);
            }
        }
        for handle in self.sign_ins.values() {
            handle.cancel();
        }
        for (_, runner) in self.runners {
            runner.stop().await;
        }
    }
}

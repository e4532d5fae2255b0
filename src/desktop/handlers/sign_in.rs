//! Signing in: a browser or out-of-band sign-in as a task (it reports every step to the
//! screens, takes a pasted code and Cancel, and says when it is over so the profile's runner
//! can pick the new session up), a credential sign-in with what the person typed, and
//! opening an address in the browser.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::auth::{Browser, DEFAULT_TIMEOUT, Progress, SignInError, SignedInUser};
use crate::desktop::events::{Events, notice, screen};
use crate::engine::{Credentials, Engine, EngineError, SignInRequest};
use crate::secret::Secret;
use crate::store::{Profile, ProfileId, SignInMethod};
use crate::ui::remedy::warning_text;
use crate::ui::remedy::with_remedy;
use crate::ui::screens::ScreenEvent;
use crate::ui::{Event, NoticeLevel};

/// How many pasted codes may wait to be read.
const PASTE_QUEUE: usize = 4;

/// A running sign-in.
pub(in crate::desktop) struct SignInHandle {
    cancel: CancellationToken,
    pasted: mpsc::Sender<Secret<String>>,
}

impl SignInHandle {
    /// Cancels the sign-in (the loopback listener closes).
    pub(in crate::desktop) fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Hands a pasted code over; `false` when the sign-in no longer reads codes.
    pub(in crate::desktop) fn paste(&self, code: Secret<String>) -> bool {
        self.pasted.try_send(code).is_ok()
    }
}

/// A finished sign-in.
pub(in crate::desktop) struct SignInDone {
    /// The profile.
    pub profile: ProfileId,
    /// Whether a new session was stored.
    pub signed_in: bool,
    /// The user the sign-in learned (browser and out-of-band sign-ins read it on the way),
    /// so it need not be read again.
    pub user: Option<SignedInUser>,
}

/// Starts signing `profile` in.
pub(in crate::desktop) fn start(
    engine: Arc<Engine>,
    profile: Profile,
    browser: Arc<dyn Browser>,
    events: Events,
    done: mpsc::UnboundedSender<SignInDone>,
) -> SignInHandle {
    let cancel = CancellationToken::new();
    let (pasted, pasted_receiver) = mpsc::channel(PASTE_QUEUE);
    let id = profile.id().clone();
    let out_of_band = profile.sign_in() == SignInMethod::OutOfBand;
    events.send(Event::SignInStarted {
        profile: id.clone(),
        at: engine.clock().now(),
        out_of_band,
    });
    let progress = {
        let events = events.clone();
        let id = id.clone();
        Arc::new(move |step: Progress| {
            events.send(Event::SignInProgress {
                profile: id.clone(),
                progress: step,
            });
        })
    };
    let request = SignInRequest {
        browser,
        progress,
        cancel: cancel.clone(),
        timeout: DEFAULT_TIMEOUT,
        pasted: Some(pasted_receiver),
    };
    tokio::spawn(async move {
        let result = engine.sign_in(&profile, request).await;
        let at = engine.clock().now();
        let (error, message) = match &result {
            Ok(user) => (None, format!("signed in as {}", user.username)),
            Err(EngineError::SignIn {
                source: SignInError::Cancelled,
                ..
            }) => (None, "sign-in cancelled".to_owned()),
            Err(err) => {
                let why = with_remedy(&err.to_string(), err.remedy().as_ref());
                (Some(why.clone()), format!("sign-in failed: {why}"))
            }
        };
        events.send(Event::Activity {
            profile: id.clone(),
            at,
            message,
        });
        events.send(Event::SignInFinished {
            profile: id.clone(),
            result: error.map_or(Ok(()), Err),
        });
        let _ = done.send(SignInDone {
            profile: id,
            signed_in: result.is_ok(),
            user: result.ok(),
        });
    });
    SignInHandle { cancel, pasted }
}

/// Signs a credential-method profile in with what the person typed.
pub(in crate::desktop) fn sign_in_with(
    engine: Arc<Engine>,
    events: Events,
    profile: Profile,
    credentials: Credentials,
    done: impl FnOnce(bool) + Send + 'static,
) {
    tokio::spawn(async move {
        let result = engine.sign_in_with(&profile, credentials).await;
        let ok = result.is_ok();
        let result = match result {
            Ok(signed_in) => {
                if let Some(warning) = signed_in.warning {
                    notice(
                        &events,
                        NoticeLevel::Info,
                        format!("{}: {}", profile.name(), warning_text(&warning)),
                    );
                }
                events.send(Event::Activity {
                    profile: profile.id().clone(),
                    at: engine.clock().now(),
                    message: format!("Signed in as {}.", signed_in.who),
                });
                Ok(())
            }
            Err(err) => Err(with_remedy(&err.to_string(), err.remedy().as_ref())),
        };
        screen(
            &events,
            ScreenEvent::CredentialSignIn {
                profile: profile.id().clone(),
                result,
            },
        );
        done(ok);
    });
}

/// Opens `url` in the browser (it may block: on the blocking pool); a failure is a notice.
pub(in crate::desktop) fn open_in_browser(
    browser: Arc<dyn Browser>,
    events: Events,
    url: url::Url,
) {
    tokio::task::spawn_blocking(move || {
        if let Err(err) = browser.open(&url) {
            notice(
                &events,
                NoticeLevel::Error,
                format!(
                    "The browser did not open ({err}). Copy the address and open it in a \
                     browser yourself."
                ),
            );
        }
    });
}

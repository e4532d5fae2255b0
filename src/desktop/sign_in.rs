//! A sign-in as a task: reports every step to the screens, takes a pasted code (out of
//! band) and Cancel, and says when it is over so the profile's runner can pick the new
//! session up.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::host::Events;
use crate::auth::{Browser, DEFAULT_TIMEOUT, Progress, SignInError};
use crate::engine::{Engine, EngineError, SignInRequest};
use crate::secret::Secret;
use crate::store::{Profile, ProfileId, SignInMethod};
use crate::ui::Event;
use crate::ui::remedy::with_remedy;

/// How many pasted codes may wait to be read.
const PASTE_QUEUE: usize = 4;

/// A running sign-in.
pub(super) struct SignInHandle {
    cancel: CancellationToken,
    pasted: mpsc::Sender<Secret<String>>,
}

impl SignInHandle {
    /// Cancels the sign-in (the loopback listener closes).
    pub(super) fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Hands a pasted code over; `false` when the sign-in no longer reads codes.
    pub(super) fn paste(&self, code: Secret<String>) -> bool {
        self.pasted.try_send(code).is_ok()
    }
}

/// A finished sign-in.
pub(super) struct SignInDone {
    /// The profile.
    pub profile: ProfileId,
    /// Whether a new session was stored.
    pub signed_in: bool,
}

/// Starts signing `profile` in.
pub(super) fn start(
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
        });
    });
    SignInHandle { cancel, pasted }
}

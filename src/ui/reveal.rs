//! The token on screen: masked unless the person clicks Reveal, and masked again after
//! [`REVEAL_FOR`]. The host fetches the token when asked ([`RevealRequest`]) and hands it to
//! [`Reveal::show`]; it is dropped from memory when masked again.

use chrono::{DateTime, TimeDelta, Utc};
use eframe::egui;
use eframe::egui::{RichText, Ui};

use crate::secret::AccessToken;
use crate::store::ProfileId;

/// How long a revealed token stays on screen.
pub const REVEAL_FOR: TimeDelta = TimeDelta::seconds(30);

/// The person clicked Reveal for this profile: fetch its token and call [`Reveal::show`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealRequest(pub ProfileId);

/// The token shown on screen, if any: whose, and until when.
#[derive(Debug, Default)]
pub struct Reveal {
    shown: Option<Shown>,
}

#[derive(Debug)]
struct Shown {
    profile: ProfileId,
    token: AccessToken,
    until: DateTime<Utc>,
}

impl Reveal {
    /// Shows `token` of `profile` from `now` for [`REVEAL_FOR`].
    pub fn show(&mut self, profile: ProfileId, token: AccessToken, now: DateTime<Utc>) {
        self.shown = Some(Shown {
            profile,
            token,
            until: now + REVEAL_FOR,
        });
    }

    /// Masks the token (and forgets it).
    pub fn hide(&mut self) {
        self.shown = None;
    }

    /// The token of `profile` if it is revealed at `now`. Forgets it once its time is up, or
    /// when another profile is shown now.
    pub fn visible(&mut self, profile: &ProfileId, now: DateTime<Utc>) -> Option<&AccessToken> {
        if self
            .shown
            .as_ref()
            .is_some_and(|s| now >= s.until || &s.profile != profile)
        {
            self.shown = None;
        }
        self.shown.as_ref().map(|s| &s.token)
    }

    fn left(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        self.shown.as_ref().map(|s| s.until - now)
    }
}

/// Draws the token row of `profile`: dots and Reveal, or the token, Hide and the time left.
/// Returns a request when the person clicks Reveal.
pub fn reveal_ui(
    ui: &mut Ui,
    reveal: &mut Reveal,
    profile: &ProfileId,
    now: DateTime<Utc>,
) -> Option<RevealRequest> {
    let mut request = None;
    let shown = reveal
        .visible(profile, now)
        .map(|token| token.expose().clone());
    match shown {
        None => {
            ui.horizontal(|ui| {
                ui.label(RichText::new("•".repeat(24)).monospace())
                    .on_hover_text("The token is hidden");
                if ui
                    .button("Reveal")
                    .on_hover_text("Show the token for 30 seconds")
                    .clicked()
                {
                    request = Some(RevealRequest(profile.clone()));
                }
            });
        }
        Some(token) => {
            ui.add(
                egui::Label::new(RichText::new(token).monospace())
                    .wrap()
                    .selectable(false),
            );
            ui.horizontal(|ui| {
                if ui.button("Hide").clicked() {
                    reveal.hide();
                }
                if let Some(left) = reveal.left(now) {
                    let secs = left.num_seconds() + i64::from(left.subsec_nanos() > 0);
                    ui.label(
                        RichText::new(format!("hidden again in {secs} s"))
                            .small()
                            .weak(),
                    );
                    let next = left - TimeDelta::seconds(left.num_seconds());
                    let wait = next.to_std().ok().filter(|d| !d.is_zero());
                    ui.ctx()
                        .request_repaint_after(wait.unwrap_or(std::time::Duration::from_secs(1)));
                }
            });
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::secret::Secret;

    #[test]
    fn a_revealed_token_is_masked_and_forgotten_after_thirty_seconds() {
        let profile = ProfileId::generate();
        let start = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let mut reveal = Reveal::default();
        reveal.show(profile.clone(), Secret::new("tok".into()), start);
        assert!(
            reveal
                .visible(&profile, start + TimeDelta::seconds(29))
                .is_some()
        );
        assert!(reveal.visible(&profile, start + REVEAL_FOR).is_none());
        assert!(reveal.shown.is_none());
    }

    #[test]
    fn a_revealed_token_is_forgotten_when_another_profile_is_shown() {
        let profile = ProfileId::generate();
        let start = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let mut reveal = Reveal::default();
        reveal.show(profile.clone(), Secret::new("tok".into()), start);
        assert!(reveal.visible(&ProfileId::generate(), start).is_none());
        assert!(reveal.visible(&profile, start).is_none());
    }
}

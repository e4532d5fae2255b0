//! Out-of-band sign-in (`redirect_uri=urn:ietf:wg:oauth:2.0:oob`): the portal shows the
//! code on a page instead of redirecting, and the user pastes it. For machines where no
//! loopback listener can be reached by the browser (remote shells, locked-down desktops).
//!
//! The pasted text arrives through a channel, so the CLI (lines from stdin, see
//! [`lines`]) and the desktop app's dialog feed it alike. A paste without a usable code is
//! reported ([`Progress::AnswerRefused`]) and the flow waits for the next one; the flow
//! ends when the channel closes ([`SignInError::NoCodeEntered`]), on timeout or on
//! cancellation.
//!
//! Accepted pastes (surrounding whitespace is trimmed): the bare code; the approval page's
//! title line `SUCCESS code=…`; a URL or query string with `code=…` (its `state`, when
//! present, must be this sign-in's).

use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::sync::mpsc;

use super::loopback::redirect_error;
use super::{Progress, SignIn, SignInError, SignInOptions};
use crate::arcgis::Instant;
use crate::arcgis::oauth::{RedirectGrant, RedirectUri, parse_redirect};
use crate::secret::Secret;

/// Signs in out of band: opens (or shows) the sign-in page and takes the code from
/// `pasted`.
pub async fn sign_in(
    options: &SignInOptions,
    mut pasted: mpsc::Receiver<Secret<String>>,
) -> Result<SignIn, SignInError> {
    options.not_cancelled()?;
    let redirect_uri = RedirectUri::OutOfBand;
    let started = options.start(&redirect_uri).await;
    options.progress.report(Progress::WaitingForPastedCode {
        authorize_url: started.authorize_url,
    });
    let site = options.portal.sharing_rest();
    let deadline = tokio::time::sleep(options.timeout);
    tokio::pin!(deadline);
    let code = loop {
        let text = tokio::select! {
            biased;
            () = options.cancel.cancelled() => return Err(SignInError::Cancelled),
            () = &mut deadline => return Err(SignInError::TimedOut { after: options.timeout }),
            text = pasted.recv() => text.ok_or(SignInError::NoCodeEntered)?,
        };
        match read_code(text.expose(), &started.state, &site, options.clock.now()) {
            Ok(code) => break code,
            Err(Unusable::Refused(reason)) => {
                options.progress.report(Progress::AnswerRefused { reason });
            }
            Err(Unusable::Failed(err)) => return Err(err),
        }
    };
    options.finish(&code, &redirect_uri, &started.pkce).await
}

/// Why a paste gave no code.
#[derive(Debug)]
enum Unusable {
    /// Not a code; ask again.
    Refused(String),
    /// The paste carries this sign-in's error (e.g. `error=access_denied`).
    Failed(SignInError),
}

/// Finds the code in pasted text.
fn read_code(
    text: &str,
    expected_state: &str,
    site: &str,
    now: Instant,
) -> Result<Secret<String>, Unusable> {
    let text = text.trim();
    let refused = |reason: &str| Err(Unusable::Refused(reason.to_owned()));
    if text.is_empty() {
        return refused("Nothing was pasted. Paste the code the portal shows after you approve.");
    }
    if text.contains('?') || text.contains('#') {
        return read_redirect(text, expected_state, site, now);
    }
    let code = match text.rfind("code=") {
        // `SUCCESS code=…` (the approval page's title), `<title>SUCCESS code=…</title>`,
        // or `code=…`: the code runs to the next space, tag or parameter.
        Some(at) => text[at + "code=".len()..]
            .split(|c: char| c.is_whitespace() || c == '<' || c == '&')
            .next()
            .unwrap_or_default(),
        None => text,
    };
    if code.is_empty() {
        return refused("The pasted text has an empty code. Paste the code the portal shows.");
    }
    if code.chars().any(char::is_whitespace) {
        return refused(
            "The pasted text is not a code (it has spaces). Paste only the code the portal \
             shows, or its title line \"SUCCESS code=…\".",
        );
    }
    Ok(Secret::new(code.to_owned()))
}

/// A pasted URL or query string: parsed as the redirect it is.
fn read_redirect(
    text: &str,
    expected_state: &str,
    site: &str,
    now: Instant,
) -> Result<Secret<String>, Unusable> {
    let state_matches = |state: Option<&str>| state.is_none_or(|s| s == expected_state);
    let query = text.split_once(['?', '#']).map_or("", |(_, rest)| rest);
    let pasted_state = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value.into_owned());
    if !state_matches(pasted_state.as_deref()) {
        return Err(Unusable::Refused(
            "The pasted address belongs to another sign-in (its state differs). Paste the code \
             from the page this sign-in opened."
                .to_owned(),
        ));
    }
    match parse_redirect(text, site, now) {
        Ok(redirect) => match redirect.grant {
            RedirectGrant::Code(code) => Ok(code),
            RedirectGrant::Implicit(_) => Err(Unusable::Refused(
                "The pasted address holds an access token, not an authorization code. Paste \
                 the code the portal shows."
                    .to_owned(),
            )),
        },
        Err(err) if err.kind() == crate::arcgis::ErrorKind::UnexpectedResponse => {
            Err(Unusable::Refused(
                "The pasted address has no code. Paste the code the portal shows after you \
                 approve."
                    .to_owned(),
            ))
        }
        Err(err) => Err(Unusable::Failed(redirect_error(err))),
    }
}

/// Feeds each line of `reader` (for example stdin) into a channel for [`sign_in`]; the
/// channel closes at the end of input.
pub fn lines<R>(reader: R) -> mpsc::Receiver<Secret<String>>
where
    R: AsyncBufRead + Unpin + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(1);
    tokio::spawn(async move {
        let mut lines = reader.lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if sender.send(Secret::new(line)).await.is_err() {
                break;
            }
        }
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "st8";
    const SITE: &str = "https://portal.example/sharing/rest";

    fn code(text: &str) -> Result<String, String> {
        read_code(text, STATE, SITE, chrono::Utc::now())
            .map(|c| c.expose().clone())
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn a_bare_code_is_taken_with_surrounding_whitespace_trimmed() {
        assert_eq!(code("  abc.DEF-123_x \n").unwrap(), "abc.DEF-123_x");
    }

    #[test]
    fn the_approval_page_title_line_gives_its_code() {
        assert_eq!(code("SUCCESS code=Xy12").unwrap(), "Xy12");
        assert_eq!(code("<title>SUCCESS code=Xy12</title>").unwrap(), "Xy12");
    }

    #[test]
    fn a_full_redirect_url_gives_its_code_when_the_state_is_ours_or_absent() {
        let url = format!("http://127.0.0.1:5000/cb?code=Q9&state={STATE}");
        assert_eq!(code(&url).unwrap(), "Q9");
        assert_eq!(code("urn:ietf:wg:oauth:2.0:oob?code=Q9").unwrap(), "Q9");
    }

    #[test]
    fn a_url_with_a_foreign_state_is_refused_and_the_flow_asks_again() {
        let err = code("http://127.0.0.1:5000/cb?code=Q9&state=other").unwrap_err();
        assert!(
            err.contains("Refused") && err.contains("another sign-in"),
            "{err}"
        );
    }

    #[test]
    fn text_that_is_not_a_code_is_refused() {
        assert!(code("").unwrap_err().contains("Nothing was pasted"));
        assert!(code("hello there").unwrap_err().contains("not a code"));
        assert!(code("SUCCESS code=").unwrap_err().contains("empty code"));
        assert!(code("http://x/?foo=1").unwrap_err().contains("has no code"));
    }

    #[test]
    fn a_pasted_address_with_a_question_mark_inside_its_fragment_is_refused_without_a_crash() {
        let err = code("http://127.0.0.1:5000/cb#done?code").unwrap_err();
        assert!(err.contains("has no code"), "{err}");
    }

    #[test]
    fn a_pasted_denial_ends_the_sign_in_as_denied() {
        let err = read_code(
            &format!("?error=access_denied&error_description=The%20user%20said%20no&state={STATE}"),
            STATE,
            SITE,
            chrono::Utc::now(),
        )
        .unwrap_err();
        match err {
            Unusable::Failed(SignInError::Denied { description }) => {
                assert_eq!(description, "The user said no");
            }
            other => panic!("expected Denied, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn lines_from_a_reader_arrive_one_by_one_and_the_channel_closes_at_the_end() {
        let mut rx = lines(&b"first\nsecond\n"[..]);
        assert_eq!(rx.recv().await.unwrap().expose(), "first");
        assert_eq!(rx.recv().await.unwrap().expose(), "second");
        assert!(rx.recv().await.is_none());
    }
}

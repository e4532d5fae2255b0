//! Browser sign-in with PKCE and a loopback redirect (RFC 8252): the default way in.
//!
//! 1. bind the [`Listener`] on 127.0.0.1 (fixed port or any free one);
//! 2. make a PKCE S256 pair and a random `state`; build the authorize URL
//!    (`response_type=code`, `expiration` = the refresh token's lifetime in minutes);
//! 3. open the browser (a failure is reported with the address, not fatal) and report
//!    [`Progress::WaitingForBrowser`];
//! 4. wait for the browser to come back (state checked, timeout, cancellation);
//! 5. exchange the code with the verifier and the same `redirect_uri`, read `community/self`.

use super::loopback::{Listener, LoopbackRedirect, Wait};
use super::{Progress, SignIn, SignInError, SignInOptions};

/// Signs in through the browser, the answer coming back to a loopback listener.
pub async fn sign_in(
    options: &SignInOptions,
    redirect: &LoopbackRedirect,
) -> Result<SignIn, SignInError> {
    options.not_cancelled()?;
    let listener = Listener::bind(redirect).await?;
    let redirect_uri = listener.redirect_uri();
    let started = options.start(&redirect_uri).await;
    options.progress.report(Progress::WaitingForBrowser {
        authorize_url: started.authorize_url,
        listening_on: listener.local_addr(),
    });
    let site = options.portal.sharing_rest();
    let code = listener
        .wait_for_code(&Wait {
            state: &started.state,
            site: &site,
            timeout: options.timeout,
            cancel: &options.cancel,
            clock: options.clock.as_ref(),
            progress: options.progress.as_ref(),
        })
        .await?;
    options.finish(&code, &redirect_uri, &started.pkce).await
}

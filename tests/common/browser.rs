//! A test browser for the sign-in flows: a [`Browser`] that plays the user over real HTTPS.
//! It loads the sign-in page, reads it as a browser would (the form holding a password
//! field, its action and hidden fields, the button with the label a person would click),
//! fills in the user name and password, submits, and follows a redirect — to the loopback
//! listener, for example. What it ends up showing is reported through a channel, so tests
//! wait on it instead of sleeping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::redirect::Policy;
use scraper::{ElementRef, Html, Selector};
use tokendesk::auth::Browser;
use tokio::sync::mpsc;
use url::Url;

/// Which button the "user" clicks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Click {
    /// "Sign In"
    SignIn,
    /// "Deny"
    Deny,
}

impl Click {
    fn label(self) -> &'static str {
        match self {
            Self::SignIn => "Sign In",
            Self::Deny => "Deny",
        }
    }
}

/// What the browser shows at the end of its visit.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The last page's address.
    pub url: Url,
    /// Its HTTP status.
    pub status: u16,
    /// Its `<title>`.
    pub title: String,
    /// Its visible text (whitespace collapsed).
    pub text: String,
    /// Texts of `role="alert"` elements (error messages on the sign-in page).
    pub alerts: Vec<String>,
}

/// A browser that signs in as `user` and clicks `click`.
#[derive(Clone)]
pub struct PlayingBrowser {
    http: reqwest::Client,
    user: String,
    password: String,
    click: Click,
    runtime: tokio::runtime::Handle,
    shown: mpsc::UnboundedSender<Result<Shown, String>>,
    opened: Arc<Mutex<Vec<Url>>>,
}

impl PlayingBrowser {
    /// A browser trusting `ca_pem`; the receiver gets what each visit ended on.
    pub fn new(
        ca_pem: &str,
        user: &str,
        password: &str,
        click: Click,
    ) -> (Self, mpsc::UnboundedReceiver<Result<Shown, String>>) {
        let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
        let http = reqwest::Client::builder()
            .tls_certs_only([ca])
            .no_proxy()
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let (shown, receiver) = mpsc::unbounded_channel();
        let browser = Self {
            http,
            user: user.to_owned(),
            password: password.to_owned(),
            click,
            runtime: tokio::runtime::Handle::current(),
            shown,
            opened: Arc::default(),
        };
        (browser, receiver)
    }

    /// The addresses this browser was asked to open.
    pub fn opened(&self) -> Vec<Url> {
        self.opened.lock().unwrap().clone()
    }

    /// One visit: sign-in page → form → redirects; returns the last page shown.
    pub async fn visit(&self, url: Url) -> Result<Shown, String> {
        let (url, status, html) = self.get(url).await?;
        // `Html` is not `Send`: read the page completely before the next request.
        let (action, fields) = {
            let page = Html::parse_document(&html);
            let Some(form) = sign_in_form(&page) else {
                return Ok(shown(url, status, &page));
            };
            self.fill(&form, &url)?
        };
        let response = self
            .http
            .post(action.clone())
            .form(&fields)
            .send()
            .await
            .map_err(|e| format!("POST {action}: {e}"))?;
        let (url, status, html) = self.follow(action, response).await?;
        Ok(shown(url, status, &Html::parse_document(&html)))
    }

    async fn get(&self, url: Url) -> Result<(Url, u16, String), String> {
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        self.follow(url, response).await
    }

    /// Follows redirects (at most 5) with GET, as a browser does after a form post.
    async fn follow(
        &self,
        mut url: Url,
        mut response: reqwest::Response,
    ) -> Result<(Url, u16, String), String> {
        for _ in 0..5 {
            if !response.status().is_redirection() {
                let status = response.status().as_u16();
                let body = response.text().await.map_err(|e| e.to_string())?;
                return Ok((url, status, body));
            }
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or("a redirect without Location")?;
            url = url.join(location).map_err(|e| e.to_string())?;
            response = self
                .http
                .get(url.clone())
                .send()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
        }
        Err("too many redirects".to_owned())
    }

    /// The form's action (resolved against the page) and its fields, filled in, with the
    /// clicked button as the submitter.
    fn fill(
        &self,
        form: &ElementRef<'_>,
        page_url: &Url,
    ) -> Result<(Url, Vec<(String, String)>), String> {
        let action = form.value().attr("action").unwrap_or_default();
        let action = page_url.join(action).map_err(|e| e.to_string())?;
        let mut fields = Vec::new();
        for input in form.select(&selector("input")) {
            let Some(name) = input.value().attr("name") else {
                continue;
            };
            let value = match input.value().attr("type").unwrap_or("text") {
                "password" => self.password.clone(),
                "text" | "email" => self.user.clone(),
                "hidden" => input.value().attr("value").unwrap_or_default().to_owned(),
                _ => continue,
            };
            fields.push((name.to_owned(), value));
        }
        let label = self.click.label();
        let button = form
            .select(&selector("button, input[type=submit]"))
            .find(|b| {
                b.text().collect::<String>().trim() == label
                    || b.value().attr("value") == Some(label)
            })
            .ok_or_else(|| format!("the form has no \"{label}\" button"))?;
        if let Some(name) = button.value().attr("name") {
            let value = button.value().attr("value").unwrap_or_default();
            fields.push((name.to_owned(), value.to_owned()));
        }
        Ok((action, fields))
    }
}

impl Browser for PlayingBrowser {
    fn open(&self, url: &Url) -> io::Result<()> {
        self.opened.lock().unwrap().push(url.clone());
        let this = self.clone();
        let url = url.clone();
        self.runtime.spawn(async move {
            let result = this.visit(url).await;
            let _ = this.shown.send(result);
        });
        Ok(())
    }
}

/// A browser that cannot open anything (no launcher, no display).
pub struct NoBrowser;

impl Browser for NoBrowser {
    fn open(&self, _url: &Url) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no display to show a browser on",
        ))
    }
}

/// The first form with a password field.
fn sign_in_form(page: &Html) -> Option<ElementRef<'_>> {
    page.select(&selector("form")).find(|form| {
        form.select(&selector("input[type=password]"))
            .next()
            .is_some()
    })
}

fn shown(url: Url, status: u16, page: &Html) -> Shown {
    let collapse = |text: String| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = page
        .select(&selector("title"))
        .next()
        .map(|t| collapse(t.text().collect()))
        .unwrap_or_default();
    let text = page
        .select(&selector("body"))
        .next()
        .map(|b| collapse(b.text().collect()))
        .unwrap_or_default();
    let alerts = page
        .select(&selector("[role=alert]"))
        .map(|a| collapse(a.text().collect()))
        .collect();
    Shown {
        url,
        status,
        title,
        text,
        alerts,
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

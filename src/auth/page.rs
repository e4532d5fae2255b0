//! The small, self-contained HTML pages the loopback listener answers the browser with:
//! no scripts, no external resources, nothing that could send the address (which holds
//! the authorization code) anywhere else.

// `&`, `<`, `>`, `"` and `'`: safe in element content and in quoted attribute values.
use html_escape::encode_quoted_attribute as escape;

/// A page for the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Page {
    /// The code arrived.
    Success,
    /// Something went wrong: what happened and what to do.
    Failure {
        /// What happened.
        what: String,
        /// What to do.
        todo: String,
    },
}

/// The success page's message.
pub(crate) const SUCCESS_TEXT: &str = "You can close this tab and return to TokenDesk.";

impl Page {
    /// A failure page.
    pub(crate) fn failure(what: impl Into<String>, todo: impl Into<String>) -> Self {
        Self::Failure {
            what: what.into(),
            todo: todo.into(),
        }
    }

    /// The HTTP status to send with the page.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::Success => 200,
            Self::Failure { .. } => 400,
        }
    }

    /// The whole HTML document.
    pub(crate) fn render(&self) -> String {
        let (title, heading, paragraphs) = match self {
            Self::Success => (
                "Signed in — TokenDesk",
                "TokenDesk received your sign-in",
                vec![SUCCESS_TEXT.to_owned()],
            ),
            Self::Failure { what, todo } => (
                "Sign-in failed — TokenDesk",
                "TokenDesk could not complete the sign-in",
                vec![what.clone(), todo.clone()],
            ),
        };
        let body: String = paragraphs
            .iter()
            .map(|text| format!("<p>{}</p>\n", escape(text)))
            .collect();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<style>body{{font-family:system-ui,sans-serif;\
             max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5}}</style>\n\
             </head>\n<body>\n<h1>{heading}</h1>\n{body}</body>\n</html>\n",
            title = escape(title),
            heading = escape(heading),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_text_is_escaped_so_a_portal_message_cannot_inject_markup() {
        let page = Page::failure("<script>alert(1)</script>", "a & b").render();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("a &amp; b"));
        assert!(!page.contains("<script>"));
    }
}

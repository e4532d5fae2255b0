//! Quoting text for the languages the snippets are written in, so that a token, URL, Referer
//! or path with quotes, `$`, backslashes or spaces can never break out of its string.

use std::path::Path;

/// A POSIX shell word in single quotes: nothing inside is special; `'` becomes `'\''`.
pub fn sh(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A PowerShell verbatim string: nothing inside is special but `'`, which is doubled.
/// PowerShell also ends strings at the typographic quotes ‘ ’ ‚ ‛, so those are doubled too.
pub fn powershell(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            quoted.push(c);
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

/// A double-quoted string literal valid in JSON, JavaScript and Python (JSON escapes are a
/// subset of both languages' escapes).
pub fn json(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// A path as text for a snippet (lossy only for paths that are not Unicode).
pub fn path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Makes text safe for a one-line comment: line breaks become spaces.
pub fn comment(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_quote_is_closed_escaped_and_reopened_for_the_shell() {
        assert_eq!(sh("it's $HOME"), r"'it'\''s $HOME'");
    }

    #[test]
    fn powershell_doubles_straight_and_typographic_single_quotes() {
        assert_eq!(powershell("it's ‘x’ $env:A"), "'it''s ‘‘x’’ $env:A'");
    }

    #[test]
    fn json_literals_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(json("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
    }
}

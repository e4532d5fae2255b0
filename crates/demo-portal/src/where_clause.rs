//! The `where` parameter of a feature layer query: a small part of SQL-92, parsed into an
//! expression and evaluated per feature with SQL's three-valued logic (a comparison with
//! NULL is unknown, and unknown rows are not selected).
//!
//! ```text
//! expr       := and ("OR" and)*
//! and        := not ("AND" not)*
//! not        := "NOT" not | "(" expr ")" | predicate
//! predicate  := operand op operand                      op: = <> != < <= > >=
//!             | operand "IS" ["NOT"] "NULL"
//!             | operand ["NOT"] "IN" "(" literal ("," literal)* ")"
//!             | operand ["NOT"] "BETWEEN" literal "AND" literal
//!             | operand ["NOT"] "LIKE" 'pattern'          % and _ wildcards, case-sensitive
//! operand    := FIELD | UPPER(FIELD) | LOWER(FIELD) | literal
//! literal    := ["-"] number | 'string' ('' inside) | DATE 'yyyy-mm-dd'
//!             | TIMESTAMP 'yyyy-mm-dd hh:mm:ss'
//! ```
//!
//! Field names and keywords are matched in any letter case; string comparisons are
//! case-sensitive. A date field compares with `DATE`/`TIMESTAMP` literals and with strings
//! holding such a date. Anything else is refused with a reason for the log, which names what
//! kind of thing was wrong but never repeats the client's values.

use chrono::{NaiveDate, NaiveDateTime};

use super::dataset::{FIELDS, Feature, FieldType, Value, field_index};

/// The longest `where` accepted, in bytes.
pub const MAX_LEN: usize = 4096;
/// The deepest nesting of parentheses and `NOT` accepted.
const MAX_DEPTH: usize = 32;

/// Why a `where` clause was refused (for the log; the client gets ArcGIS's generic error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhereError(pub String);

impl std::fmt::Display for WhereError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A refusal as an `Err`.
fn refuse<T>(reason: impl Into<String>) -> Result<T, WhereError> {
    Err(WhereError(reason.into()))
}

/// A parsed `where` clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Either side.
    Or(Box<Expr>, Box<Expr>),
    /// Both sides.
    And(Box<Expr>, Box<Expr>),
    /// The negation.
    Not(Box<Expr>),
    /// `left op right`.
    Compare(Operand, CmpOp, Operand),
    /// `operand IS [NOT] NULL` (`true` = `IS NOT NULL`).
    IsNull(Operand, bool),
    /// `operand [NOT] IN (…)` (`true` = `NOT IN`).
    In(Operand, Vec<Literal>, bool),
    /// `operand [NOT] BETWEEN low AND high` (`true` = `NOT BETWEEN`).
    Between(Operand, Literal, Literal, bool),
    /// `operand [NOT] LIKE 'pattern'` (`true` = `NOT LIKE`).
    Like(Operand, String, bool),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>` or `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// One side of a predicate.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A field of [`FIELDS`], by index.
    Field(usize),
    /// `UPPER(field)` of a string field.
    Upper(usize),
    /// `LOWER(field)` of a string field.
    Lower(usize),
    /// A constant.
    Literal(Literal),
}

/// A constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// A date, epoch milliseconds (UTC).
    Date(i64),
}

/// What kind of value an operand has, for checking predicates before running them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
    Date,
}

impl Literal {
    /// The literal's kind.
    fn kind(&self) -> Kind {
        match self {
            Self::Number(_) => Kind::Number,
            Self::Text(_) => Kind::Text,
            Self::Date(_) => Kind::Date,
        }
    }
}

impl Operand {
    /// The operand's kind (a field's by its type; the object ID is a number).
    fn kind(&self) -> Kind {
        match self {
            Self::Field(i) => match FIELDS.get(*i).map(|f| f.kind) {
                Some(FieldType::String) => Kind::Text,
                Some(FieldType::Date) => Kind::Date,
                _ => Kind::Number,
            },
            Self::Upper(_) | Self::Lower(_) => Kind::Text,
            Self::Literal(l) => l.kind(),
        }
    }
}

/// Parses a `where` clause.
pub fn parse(text: &str) -> Result<Expr, WhereError> {
    if text.len() > MAX_LEN {
        return refuse(format!("longer than {MAX_LEN} bytes"));
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
    };
    let expr = parser.or(0)?;
    match parser.peek() {
        None => Ok(expr),
        token => refuse(format!("{} after the expression", describe(token))),
    }
}

/// Whether `feature` is selected by `expr` (true, not false or unknown).
pub fn matches(expr: &Expr, feature: &Feature) -> bool {
    eval(expr, feature) == Some(true)
}

/// What a token is, for refusal reasons: never its text, which is the client's value.
fn describe(token: Option<&Token>) -> &'static str {
    match token {
        None => "the end",
        Some(Token::Word(_)) => "a word",
        Some(Token::Number(_)) => "a number",
        Some(Token::Text(_)) => "a string",
        Some(Token::Op(_)) => "a comparison",
        Some(Token::Open) => "'('",
        Some(Token::Close) => "')'",
        Some(Token::Comma) => "','",
        Some(Token::Minus) => "'-'",
    }
}

/// A lexical token of a `where` clause.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Number(f64),
    Text(String),
    Op(CmpOp),
    Open,
    Close,
    Comma,
    Minus,
}

/// Splits `text` into tokens; every step consumes at least one character, so the loop ends.
fn tokenize(text: &str) -> Result<Vec<Token>, WhereError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '-' => {
                tokens.push(Token::Minus);
                i += 1;
            }
            '=' => {
                tokens.push(Token::Op(CmpOp::Eq));
                i += 1;
            }
            '<' | '>' | '!' => {
                let (op, len) = match (c, next) {
                    ('<', Some('=')) => (CmpOp::Le, 2),
                    ('<', Some('>')) => (CmpOp::Ne, 2),
                    ('<', _) => (CmpOp::Lt, 1),
                    ('>', Some('=')) => (CmpOp::Ge, 2),
                    ('>', _) => (CmpOp::Gt, 1),
                    ('!', Some('=')) => (CmpOp::Ne, 2),
                    _ => return refuse("a lone '!'"),
                };
                tokens.push(Token::Op(op));
                i += len;
            }
            '\'' => {
                let mut value = String::new();
                let mut j = i + 1;
                loop {
                    match (chars.get(j), chars.get(j + 1)) {
                        (None, _) => return refuse("an unterminated string"),
                        (Some('\''), Some('\'')) => {
                            value.push('\'');
                            j += 2;
                        }
                        (Some('\''), _) => break,
                        (Some(c), _) => {
                            value.push(*c);
                            j += 1;
                        }
                    }
                }
                tokens.push(Token::Text(value));
                i = j + 1;
            }
            c if c.is_ascii_digit() || c == '.' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_digit()
                        || chars[i] == '.'
                        || (matches!(chars[i], 'e' | 'E')
                            && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())))
                {
                    i += 1;
                }
                let literal: String = chars[start..i].iter().collect();
                match literal.parse::<f64>() {
                    Ok(n) if n.is_finite() => tokens.push(Token::Number(n)),
                    _ => return refuse("a malformed number"),
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            _ => return refuse("a character outside the supported SQL"),
        }
    }
    Ok(tokens)
}

/// A recursive-descent parser over the tokens; recursion is bounded by [`MAX_DEPTH`].
struct Parser<'a> {
    /// All tokens.
    tokens: &'a [Token],
    /// The next one to read.
    pos: usize,
}

impl Parser<'_> {
    /// The next token, not consumed.
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// The next token, consumed.
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    /// Whether the next token is the keyword `word` (consumed if so).
    fn keyword(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case(word) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Consumes `token` or refuses.
    fn expect(&mut self, token: &Token) -> Result<(), WhereError> {
        match self.next() {
            Some(t) if &t == token => Ok(()),
            other => refuse(format!(
                "expected {}, found {}",
                describe(Some(token)),
                describe(other.as_ref())
            )),
        }
    }

    /// `and ("OR" and)*`. Each loop here consumes a keyword per round, so it ends with the
    /// tokens.
    fn or(&mut self, depth: usize) -> Result<Expr, WhereError> {
        let mut left = self.and(depth)?;
        while self.keyword("OR") {
            let right = self.and(depth)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `not ("AND" not)*`.
    fn and(&mut self, depth: usize) -> Result<Expr, WhereError> {
        let mut left = self.not(depth)?;
        while self.keyword("AND") {
            let right = self.not(depth)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `"NOT" not | "(" expr ")" | predicate`, at most [`MAX_DEPTH`] deep.
    fn not(&mut self, depth: usize) -> Result<Expr, WhereError> {
        if depth >= MAX_DEPTH {
            return refuse(format!("nested deeper than {MAX_DEPTH}"));
        }
        if self.keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.not(depth + 1)?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or(depth + 1)?;
            self.expect(&Token::Close)?;
            return Ok(inner);
        }
        self.predicate()
    }

    /// A comparison, `IS [NOT] NULL`, `IN`, `BETWEEN` or `LIKE`.
    fn predicate(&mut self) -> Result<Expr, WhereError> {
        let left = self.operand()?;
        if self.keyword("IS") {
            let negated = self.keyword("NOT");
            if !self.keyword("NULL") {
                return refuse("IS without NULL");
            }
            return Ok(Expr::IsNull(left, negated));
        }
        let negated = self.keyword("NOT");
        if self.keyword("IN") {
            self.expect(&Token::Open)?;
            let mut list = vec![self.literal_for(&left)?];
            while self.peek() == Some(&Token::Comma) {
                self.pos += 1;
                list.push(self.literal_for(&left)?);
            }
            self.expect(&Token::Close)?;
            return Ok(Expr::In(left, list, negated));
        }
        if self.keyword("BETWEEN") {
            let low = self.literal_for(&left)?;
            if !self.keyword("AND") {
                return refuse("BETWEEN without AND");
            }
            let high = self.literal_for(&left)?;
            return Ok(Expr::Between(left, low, high, negated));
        }
        if self.keyword("LIKE") {
            if left.kind() != Kind::Text {
                return refuse("LIKE on a field that is not a string");
            }
            return match self.next() {
                Some(Token::Text(pattern)) => {
                    if self.keyword("ESCAPE") {
                        return refuse("LIKE … ESCAPE is not supported");
                    }
                    Ok(Expr::Like(left, pattern, negated))
                }
                other => refuse(format!(
                    "LIKE needs a quoted pattern, found {}",
                    describe(other.as_ref())
                )),
            };
        }
        if negated {
            return refuse("NOT without IN, BETWEEN or LIKE");
        }
        let op = match self.next() {
            Some(Token::Op(op)) => op,
            other => {
                return refuse(format!(
                    "expected a comparison, found {}",
                    describe(other.as_ref())
                ));
            }
        };
        let right = self.operand()?;
        let (left, right) = reconcile(left, right)?;
        Ok(Expr::Compare(left, op, right))
    }

    /// A field, `UPPER(field)`, `LOWER(field)` or a literal.
    fn operand(&mut self) -> Result<Operand, WhereError> {
        match self.peek().cloned() {
            Some(Token::Word(word)) => {
                for (function, make) in [
                    ("UPPER", Operand::Upper as fn(usize) -> Operand),
                    ("LOWER", Operand::Lower),
                ] {
                    if word.eq_ignore_ascii_case(function)
                        && self.tokens.get(self.pos + 1) == Some(&Token::Open)
                    {
                        self.pos += 2;
                        let index = match self.next() {
                            Some(Token::Word(name)) => field(&name)?,
                            other => {
                                return refuse(format!(
                                    "{function} of {}",
                                    describe(other.as_ref())
                                ));
                            }
                        };
                        self.expect(&Token::Close)?;
                        if FIELDS[index].kind != FieldType::String {
                            return refuse(format!("{function} of a field that is not a string"));
                        }
                        return Ok(make(index));
                    }
                }
                if word.eq_ignore_ascii_case("DATE") || word.eq_ignore_ascii_case("TIMESTAMP") {
                    return self.literal().map(Operand::Literal);
                }
                self.pos += 1;
                field(&word).map(Operand::Field)
            }
            _ => self.literal().map(Operand::Literal),
        }
    }

    /// A number, a string, or a `DATE` / `TIMESTAMP` literal.
    fn literal(&mut self) -> Result<Literal, WhereError> {
        match self.next() {
            Some(Token::Number(n)) => Ok(Literal::Number(n)),
            Some(Token::Minus) => match self.next() {
                Some(Token::Number(n)) => Ok(Literal::Number(-n)),
                other => refuse(format!("'-' before {}", describe(other.as_ref()))),
            },
            Some(Token::Text(text)) => Ok(Literal::Text(text)),
            Some(Token::Word(word))
                if word.eq_ignore_ascii_case("DATE") || word.eq_ignore_ascii_case("TIMESTAMP") =>
            {
                match self.next() {
                    Some(Token::Text(text)) => parse_date(&text)
                        .map(Literal::Date)
                        .ok_or_else(|| WhereError("a malformed date".into())),
                    other => refuse(format!(
                        "DATE or TIMESTAMP needs a quoted date, found {}",
                        describe(other.as_ref())
                    )),
                }
            }
            other => refuse(format!(
                "expected a value, found {}",
                describe(other.as_ref())
            )),
        }
    }

    /// A literal compared with `operand`: a string for a date field becomes a date.
    fn literal_for(&mut self, operand: &Operand) -> Result<Literal, WhereError> {
        let literal = self.literal()?;
        match reconcile(operand.clone(), Operand::Literal(literal))? {
            (_, Operand::Literal(literal)) => Ok(literal),
            _ => refuse("expected a value"),
        }
    }
}

/// The index of a field named in the clause.
fn field(name: &str) -> Result<usize, WhereError> {
    field_index(name).ok_or_else(|| WhereError("a field the layer does not have".into()))
}

/// Checks that the two sides of a comparison can be compared, turning a string compared with
/// a date field into a date.
fn reconcile(left: Operand, right: Operand) -> Result<(Operand, Operand), WhereError> {
    let as_date = |operand: Operand| match operand {
        Operand::Literal(Literal::Text(text)) => parse_date(&text)
            .map(|ms| Operand::Literal(Literal::Date(ms)))
            .ok_or_else(|| WhereError("a malformed date".into())),
        other => Ok(other),
    };
    let (left, right) = match (left.kind(), right.kind()) {
        (Kind::Date, Kind::Text) => (left, as_date(right)?),
        (Kind::Text, Kind::Date) => (as_date(left)?, right),
        _ => (left, right),
    };
    if left.kind() != right.kind() {
        return refuse(format!(
            "{:?} compared with {:?}",
            left.kind(),
            right.kind()
        ));
    }
    Ok((left, right))
}

/// `yyyy-mm-dd`, `yyyy-mm-dd hh:mm:ss` or `yyyy-mm-ddThh:mm:ss` (UTC) as epoch ms.
fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc().timestamp_millis())
}

/// A value while evaluating: attributes and literals brought to one shape.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Number(f64),
    Text(String),
    Date(i64),
}

/// The operand's value for `feature`.
fn scalar(operand: &Operand, feature: &Feature) -> Scalar {
    let text_of = |index: usize| match feature.attribute(index) {
        Value::Text(text) => Some(text.to_string()),
        _ => None,
    };
    match operand {
        Operand::Field(index) => match feature.attribute(*index) {
            Value::Null => Scalar::Null,
            Value::Integer(n) => Scalar::Number(n as f64),
            Value::Double(n) => Scalar::Number(n),
            Value::Text(text) => Scalar::Text(text.to_string()),
            Value::Date(ms) => Scalar::Date(ms),
        },
        Operand::Upper(index) => {
            text_of(*index).map_or(Scalar::Null, |t| Scalar::Text(t.to_uppercase()))
        }
        Operand::Lower(index) => {
            text_of(*index).map_or(Scalar::Null, |t| Scalar::Text(t.to_lowercase()))
        }
        Operand::Literal(literal) => literal_scalar(literal),
    }
}

/// A literal's value.
fn literal_scalar(literal: &Literal) -> Scalar {
    match literal {
        Literal::Number(n) => Scalar::Number(*n),
        Literal::Text(text) => Scalar::Text(text.clone()),
        Literal::Date(ms) => Scalar::Date(*ms),
    }
}

/// The order of two values; `None` if either is null (or they cannot be compared).
fn order(a: &Scalar, b: &Scalar) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Scalar::Number(a), Scalar::Number(b)) => a.partial_cmp(b),
        (Scalar::Text(a), Scalar::Text(b)) => Some(a.cmp(b)),
        (Scalar::Date(a), Scalar::Date(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// SQL's three-valued truth of `expr` for `feature`: `None` is unknown.
fn eval(expr: &Expr, feature: &Feature) -> Option<bool> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match expr {
        Expr::Or(a, b) => match (eval(a, feature), eval(b, feature)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Expr::And(a, b) => match (eval(a, feature), eval(b, feature)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Expr::Not(inner) => eval(inner, feature).map(|b| !b),
        Expr::Compare(left, op, right) => {
            let ordering = order(&scalar(left, feature), &scalar(right, feature))?;
            Some(match op {
                CmpOp::Eq => ordering == Equal,
                CmpOp::Ne => ordering != Equal,
                CmpOp::Lt => ordering == Less,
                CmpOp::Le => ordering != Greater,
                CmpOp::Gt => ordering == Greater,
                CmpOp::Ge => ordering != Less,
            })
        }
        Expr::IsNull(operand, negated) => {
            Some((scalar(operand, feature) == Scalar::Null) != *negated)
        }
        Expr::In(operand, list, negated) => {
            let value = scalar(operand, feature);
            if value == Scalar::Null {
                return None;
            }
            let found = list
                .iter()
                .any(|l| order(&value, &literal_scalar(l)) == Some(Equal));
            Some(found != *negated)
        }
        Expr::Between(operand, low, high, negated) => {
            let value = scalar(operand, feature);
            let above = order(&value, &literal_scalar(low))?;
            let below = order(&value, &literal_scalar(high))?;
            Some((above != Less && below != Greater) != *negated)
        }
        Expr::Like(operand, pattern, negated) => match scalar(operand, feature) {
            Scalar::Text(text) => Some(like(&text, pattern) != *negated),
            _ => None,
        },
    }
}

/// SQL `LIKE`: `%` is any run of characters, `_` any one character. Greedy matching with one
/// backtrack point: at most `text × pattern` steps.
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    let limit = 2 * (text.len() + 1) * (pattern.len() + 1);
    for _ in 0..=limit {
        if t == text.len() {
            return pattern[p..].iter().all(|c| *c == '%');
        }
        match pattern.get(p) {
            Some('%') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == '_' || *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature() -> Feature {
        Feature {
            object_id: 7,
            name: "Miller's Valve 7".into(),
            category: "Valve",
            value: 512.25,
            inspected: None,
            x: 8.5,
            y: 47.4,
        }
    }

    fn selects(clause: &str) -> bool {
        matches(&parse(clause).unwrap(), &feature())
    }

    #[test]
    fn one_equals_one_selects_everything_and_one_equals_zero_nothing() {
        assert!(selects("1=1"));
        assert!(selects(" 1 = 1 "));
        assert!(!selects("1=0"));
    }

    #[test]
    fn numbers_strings_and_field_names_in_any_case_compare() {
        assert!(selects("OBJECTID = 7"));
        assert!(selects("objectid >= 7 AND objectid < 8"));
        assert!(selects("VALUE > 512"));
        assert!(selects("VALUE <> -1"));
        assert!(selects("CATEGORY = 'Valve'"));
        assert!(!selects("CATEGORY = 'valve'"));
        assert!(selects("NAME = 'Miller''s Valve 7'"));
        assert!(selects("category != 'Meter' OR VALUE < 0"));
        assert!(selects("NOT (CATEGORY = 'Meter')"));
    }

    #[test]
    fn in_between_like_and_upper_work() {
        assert!(selects("CATEGORY IN ('Meter', 'Valve')"));
        assert!(selects("OBJECTID NOT IN (1, 2, 3)"));
        assert!(selects("VALUE BETWEEN 500 AND 600"));
        assert!(!selects("VALUE NOT BETWEEN 500 AND 600"));
        assert!(selects("NAME LIKE 'Miller%'"));
        assert!(selects("NAME LIKE '%Valve _'"));
        assert!(!selects("NAME LIKE 'miller%'"));
        assert!(selects("UPPER(NAME) LIKE 'MILLER%'"));
        assert!(selects("lower(category) = 'valve'"));
    }

    #[test]
    fn null_dates_are_found_with_is_null_and_never_compare() {
        assert!(selects("INSPECTED IS NULL"));
        assert!(!selects("INSPECTED IS NOT NULL"));
        assert!(!selects("INSPECTED > DATE '2023-01-01'"));
        assert!(!selects("NOT (INSPECTED > DATE '2023-01-01')"));
        let mut inspected = feature();
        inspected.inspected = Some(1_700_000_000_000);
        let later = parse("INSPECTED > TIMESTAMP '2023-11-14 00:00:00'").unwrap();
        let string = parse("INSPECTED < '2023-11-15'").unwrap();
        assert!(matches(&later, &inspected) && matches(&string, &inspected));
    }

    #[test]
    fn unsupported_or_malformed_clauses_are_refused_with_a_reason() {
        for clause in [
            "",
            "1=",
            "NOSUCH = 1",
            "NAME = 1",
            "VALUE = 'x'",
            "NAME LIKE 'a' ESCAPE '!'",
            "OBJECTID IN ()",
            "CATEGORY = 'open",
            "1=1; DROP TABLE x",
            "VALUE > 1 AND",
            "INSPECTED > 'soon'",
            "(((1=1)",
        ] {
            assert!(parse(clause).is_err(), "{clause:?} was accepted");
        }
        let deep = format!("{}1=1{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep).unwrap_err().0.contains("nested"));
        assert!(parse(&"1=1 AND ".repeat(600)).is_err());
    }

    #[test]
    fn like_patterns_backtrack_over_percent_signs() {
        assert!(like("abcabc", "%abc"));
        assert!(like("abc", "a%b%c%"));
        assert!(!like("abc", "a%d"));
        assert!(like("", "%"));
        assert!(!like("", "_"));
    }
}

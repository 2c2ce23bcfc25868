//! Typed access to the fields of a parsed TOML table. Every value keeps its
//! byte span and its dotted path, so any error can name `origin:line:col` and
//! the field, and say what was expected.

use crate::model::{MAX_DURATION, MAX_NAME_CHARS};
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::ScenarioError;
use super::suggest;

/// The text being parsed and the name it is reported under.
pub(crate) struct Doc<'t> {
    pub origin: &'t str,
    pub text: &'t str,
}

impl Doc<'_> {
    /// An error at the start of `span`.
    pub fn error(&self, span: &Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at(self.origin, self.text, span.start, message)
    }
}

/// A table of the document, with its position and path.
#[derive(Clone)]
pub(crate) struct Table<'a, 'i> {
    pub doc: &'a Doc<'a>,
    pub table: &'a DeTable<'i>,
    pub span: Range<usize>,
    pub path: String,
}

impl<'a, 'i> Table<'a, 'i> {
    /// The dotted path of `key` in this table.
    pub fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Fails on the first key not in `known`, suggesting a close known key,
    /// else `fallback_help`, else the list of known keys.
    pub fn reject_unknown(
        &self,
        known: &[&str],
        fallback_help: Option<String>,
    ) -> Result<(), ScenarioError> {
        let mut unknown: Vec<&Spanned<_>> = self
            .table
            .keys()
            .filter(|k| !known.contains(&k.get_ref().as_ref()))
            .collect();
        unknown.sort_by_key(|k| k.span().start);
        let Some(key) = unknown.first() else {
            return Ok(());
        };
        let name: &str = key.get_ref();
        let help = suggest::did_you_mean(name, known.iter().copied())
            .or(fallback_help)
            .unwrap_or_else(|| format!("the keys allowed here are: {}", known.join(", ")));
        Err(self
            .doc
            .error(&key.span(), "is not a known key")
            .with_field(self.field(name))
            .with_help(help))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<Value<'a, 'i>> {
        self.table.get(key).map(|v| Value {
            doc: self.doc,
            value: v.get_ref(),
            span: v.span(),
            field: self.field(key),
        })
    }

    /// The value of `key`, or an error at the table saying it is missing.
    pub fn require(&self, key: &str, help: &str) -> Result<Value<'a, 'i>, ScenarioError> {
        self.get(key).ok_or_else(|| {
            self.doc
                .error(&self.span, "is missing")
                .with_field(self.field(key))
                .with_help(help)
        })
    }
}

/// One value of the document, with its position and path.
pub(crate) struct Value<'a, 'i> {
    pub doc: &'a Doc<'a>,
    pub value: &'a DeValue<'i>,
    pub span: Range<usize>,
    pub field: String,
}

impl<'a, 'i> Value<'a, 'i> {
    /// An error about this value.
    /// The value as a name: a string, trimmed, not empty, at most
    /// [`MAX_NAME_CHARS`] characters and free of control characters
    /// (which would reach the terminal as escape codes).
    pub fn name(&self, help: &str) -> Result<String, ScenarioError> {
        let name = self.str()?.trim();
        let chars = name.chars().count();
        let problem = if name.is_empty() {
            Some("must not be empty".to_string())
        } else if chars > MAX_NAME_CHARS {
            Some(format!(
                "is {chars} characters long; a name has at most {MAX_NAME_CHARS}"
            ))
        } else if name.chars().any(char::is_control) {
            Some("must not contain control characters (tabs, newlines, escapes)".to_string())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(self.error(problem).with_help(help)),
            None => Ok(name.to_string()),
        }
    }

    pub fn error(&self, message: impl Into<String>) -> ScenarioError {
        self.doc
            .error(&self.span, message)
            .with_field(self.field.clone())
    }

    /// "must be X, got a Y `v`".
    pub fn wrong_type(&self, expected: &str) -> ScenarioError {
        self.error(format!("must be {expected}, got {}", self.describe()))
    }

    /// The value's type and, for scalars, its text: "a string \"x\"".
    pub fn describe(&self) -> String {
        match self.value {
            DeValue::String(s) => format!("the string {s:?}"),
            DeValue::Integer(i) => format!("the integer {i}"),
            DeValue::Float(f) => format!("the number {f}"),
            DeValue::Boolean(b) => format!("the boolean {b}"),
            DeValue::Datetime(d) => format!("the date-time {d}"),
            DeValue::Array(_) => "an array".to_owned(),
            DeValue::Table(_) => "a table".to_owned(),
        }
    }

    pub fn str(&self) -> Result<&'a str, ScenarioError> {
        match self.value {
            DeValue::String(s) => Ok(s.as_ref()),
            _ => Err(self.wrong_type("a string")),
        }
    }

    /// A whole number (TOML integers are 64-bit signed).
    pub fn int(&self) -> Result<i64, ScenarioError> {
        match self.value {
            DeValue::Integer(i) => {
                let digits = i.as_str().replace('_', "");
                i64::from_str_radix(&digits, i.radix())
                    .map_err(|_| self.error(format!("is out of range: {i}")))
            }
            DeValue::Float(_) => Err(self
                .wrong_type("a whole number")
                .with_help("drop the fractional part")),
            _ => Err(self.wrong_type("a whole number")),
        }
    }

    /// A whole number within `lo..=hi`.
    pub fn int_in(&self, lo: i64, hi: i64) -> Result<i64, ScenarioError> {
        let n = self.int()?;
        if (lo..=hi).contains(&n) {
            Ok(n)
        } else {
            Err(self.error(format!("must be {lo}..={hi}, got {n}")))
        }
    }

    /// A finite number, integer or not.
    pub fn number(&self) -> Result<f64, ScenarioError> {
        let x = match self.value {
            DeValue::Integer(_) => self.int()? as f64,
            DeValue::Float(f) => f
                .as_str()
                .replace('_', "")
                .parse::<f64>()
                .map_err(|_| self.wrong_type("a number"))?,
            _ => return Err(self.wrong_type("a number")),
        };
        if x.is_finite() {
            Ok(x)
        } else {
            Err(self.error(format!("must be a finite number, got {x}")))
        }
    }

    /// A human duration string such as "250ms" or "2m".
    pub fn duration(&self) -> Result<Duration, ScenarioError> {
        let example = "write a duration as a string with a unit, e.g. \"250ms\", \"30s\" or \"2m\"";
        match self.value {
            DeValue::String(s) => {
                let d = humantime::parse_duration(s.trim()).map_err(|e| {
                    self.error(format!("is not a duration: {s:?} ({e})"))
                        .with_help(example)
                })?;
                if d > MAX_DURATION {
                    return Err(self.error(format!(
                        "is {s:?}, longer than the most a run can represent ({})",
                        humantime::format_duration(MAX_DURATION)
                    )));
                }
                Ok(d)
            }
            _ => Err(self.wrong_type("a duration string").with_help(example)),
        }
    }

    /// One of a fixed set of words, with a did-you-mean for a near miss.
    pub fn word(&self, what: &str, words: &[&'static str]) -> Result<&'static str, ScenarioError> {
        let got = match self.value {
            DeValue::String(s) => s.as_ref(),
            _ => {
                return Err(self
                    .wrong_type(&format!("one of {}", suggest::one_of(words)))
                    .with_help(format!("write it as a string, e.g. {:?}", words[0])));
            }
        };
        if let Some(w) = words.iter().find(|w| **w == got) {
            return Ok(w);
        }
        let help = suggest::did_you_mean(got, words.iter().copied())
            .map(|d| format!("{d} ({what} is one of {})", suggest::one_of(words)))
            .unwrap_or_else(|| format!("{what} is one of {}", suggest::one_of(words)));
        Err(self
            .error(format!("names an unknown {what} {got:?}"))
            .with_help(help))
    }

    /// A table, e.g. `service = { … }` or `[source]`.
    pub fn table(&self, help: &str) -> Result<Table<'a, 'i>, ScenarioError> {
        match self.value {
            DeValue::Table(t) => Ok(Table {
                doc: self.doc,
                table: t,
                span: self.span.clone(),
                path: self.field.clone(),
            }),
            _ => Err(self.wrong_type("a table").with_help(help)),
        }
    }

    /// An array of tables such as `[[stage]]`, each with its path `field[i]`.
    pub fn tables(&self, help: &str) -> Result<Vec<Table<'a, 'i>>, ScenarioError> {
        let DeValue::Array(items) = self.value else {
            return Err(self.wrong_type("an array of tables").with_help(help));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                Value {
                    doc: self.doc,
                    value: item.get_ref(),
                    span: item.span(),
                    field: format!("{}[{i}]", self.field),
                }
                .table(help)
            })
            .collect()
    }
}

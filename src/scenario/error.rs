//! The scenario error: where in which file, which field, what was wrong and
//! how to fix it. Also converts byte offsets into `line:col` positions.

use std::fmt;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line number, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text's end,
    /// and to the start of the character it falls in).
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self {
            line: before.matches('\n').count() + 1,
            col: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Why a scenario could not be loaded.
///
/// Displays as `origin:line:col: `field` message`, then `  help: …` on a
/// second line when a fix can be suggested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The file path as given, or `demos/<name>.toml`.
    pub origin: String,
    /// Where in the file; `None` when the file itself is the problem.
    pub position: Option<Position>,
    /// The dotted path of the offending field, e.g. `stage[2].service.mean`.
    pub field: Option<String>,
    /// What was wrong; reads as a predicate of the field when there is one.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl ScenarioError {
    /// An error about the file as a whole (it cannot be read, it is not a demo).
    pub fn file(origin: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            position: None,
            field: None,
            message: message.into(),
            help: None,
        }
    }

    /// An error at a byte offset of `text`.
    pub fn at(origin: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        Self {
            origin: origin.to_owned(),
            position: Some(Position::of_offset(text, offset)),
            field: None,
            message: message.into(),
            help: None,
        }
    }

    /// Names the offending field.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Adds a suggested fix.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a suggested fix when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(pos) = self.position {
            write!(f, ":{pos}")?;
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "`{field}` ")?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_lines_and_character_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(Position::of_offset(text, 0), Position { line: 1, col: 1 });
        assert_eq!(Position::of_offset(text, 6), Position { line: 2, col: 1 });
        // 'é' is two bytes: the byte after it is the third character.
        assert_eq!(Position::of_offset(text, 9), Position { line: 2, col: 3 });
        // Inside a multi-byte character, and past the end, never panic.
        assert_eq!(Position::of_offset(text, 8), Position { line: 2, col: 2 });
        assert_eq!(Position::of_offset(text, 999), Position { line: 3, col: 1 });
    }

    #[test]
    fn display_names_place_field_problem_and_fix() {
        let e = ScenarioError::at(
            "demos/x.toml",
            "\n\n  workers = 0",
            14,
            "must be 1..=1024, got 0",
        )
        .with_field("stage[0].workers")
        .with_help("a stage starts with at least one worker");
        assert_eq!(
            e.to_string(),
            "demos/x.toml:3:13: `stage[0].workers` must be 1..=1024, got 0\n  help: a stage starts with at least one worker"
        );
    }
}

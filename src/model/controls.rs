//! Which commands a producer can carry out. The engine carries out every
//! one; a watched Flink job only some. The dashboard's footer and help
//! overlay, and `pipetop check --on`, read the same list, so a key that
//! cannot apply says so instead of doing nothing.

use super::command::Command;

/// The commands a producer refuses, each with the reason shown to the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Controls {
    /// (timeline `do` word, why it cannot apply), e.g. `("crash", "Flink
    /// restarts failed tasks itself")`. Empty: everything applies.
    pub refused: Vec<(&'static str, &'static str)>,
}

impl Controls {
    /// Why `command` cannot apply, if it cannot.
    pub fn refusal(&self, command: &Command) -> Option<&'static str> {
        self.refusal_of(command.kind())
    }

    /// Why the command with this `do` word cannot apply, if it cannot.
    pub fn refusal_of(&self, word: &str) -> Option<&'static str> {
        self.refused
            .iter()
            .find(|(refused, _)| *refused == word)
            .map(|(_, why)| *why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_command_gives_its_reason_and_others_apply() {
        let controls = Controls {
            refused: vec![("crash", "not here")],
        };
        assert_eq!(
            controls.refusal(&Command::Crash { stage: 0 }),
            Some("not here")
        );
        assert_eq!(controls.refusal(&Command::Stop), None);
        assert_eq!(Controls::default().refusal_of("crash"), None);
    }
}

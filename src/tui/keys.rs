//! The one key table: it dispatches key presses, and it writes the help
//! overlay and the footer, so the three cannot disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Select the stage above.
    SelectUp,
    /// Select the stage below.
    SelectDown,
    /// Ask for one more worker on the selected stage.
    AddWorker,
    /// Ask for one worker fewer on the selected stage.
    RemoveWorker,
    /// Inject a burst of items at the source (the scenario's burst size).
    Burst,
    /// Lower the source rate by 10%.
    RateDown,
    /// Raise the source rate by 10%.
    RateUp,
    /// Pause the source, or resume it if paused.
    TogglePause,
    /// Switch the selected stage's queue policy to the next one.
    CyclePolicy,
    /// Double the selected stage's service time.
    SlowDown,
    /// Put the selected stage back to normal speed.
    Restore,
    /// Crash one worker of the selected stage.
    Crash,
    /// Show the next histogram: service, wait, end-to-end.
    CycleHistogram,
    /// Open or close the scenario's lesson.
    Lesson,
    /// Open or close the queueing theory of the selected stage.
    Theory,
    /// Open or close the selected stage's dead letters and last errors.
    Errors,
    /// Freeze the view on the current snapshot, or unfreeze it.
    Freeze,
    /// Open or close the key help.
    Help,
    /// Close whatever overlay is open.
    CloseOverlay,
    /// Save the current frame as SVG.
    Screenshot,
    /// Replay or virtual time: slower against the wall (a replay down to
    /// 0.25×, virtual time down to 0.1×).
    Slower,
    /// Replay or virtual time: faster against the wall (a replay up to 16×,
    /// virtual time up to 1000×).
    Faster,
    /// Virtual time: run as fast as the simulation can go.
    FullSpeed,
    /// Stop the source and drain; a second press exits at once.
    Quit,
    /// Exit at once, aborting whatever is in flight.
    QuitNow,
    /// Show the next metric in the history chart.
    CycleChart,
    /// Show the next span in the history chart: 1 min, 10 min, whole run.
    CycleSpan,
    /// Rewind: show the moment one tick earlier.
    StepBack,
    /// Rewind: show the moment one tick later.
    StepForward,
    /// Rewind: jump ten seconds back.
    JumpBack,
    /// Rewind: jump ten seconds forward.
    JumpForward,
    /// Rewind: jump to the previous event.
    PrevEvent,
    /// Rewind: jump to the next event.
    NextEvent,
    /// Back to the live moment.
    Live,
    /// Scroll the event log back by a page (again: further).
    ScrollLog,
    /// Show the next event log filter: all, commands, failures, bottleneck.
    FilterLog,
}

impl Action {
    /// The timeline `do` word of the command this action sends, if it
    /// steers the pipeline: a producer's [`Controls`](crate::model::Controls)
    /// refuse commands by this word.
    pub fn command_word(self) -> Option<&'static str> {
        match self {
            Self::AddWorker | Self::RemoveWorker => Some("workers"),
            Self::Burst => Some("burst"),
            Self::RateDown | Self::RateUp => Some("rate"),
            Self::TogglePause => Some("pause"),
            Self::CyclePolicy => Some("policy"),
            Self::SlowDown | Self::Restore => Some("slowdown"),
            Self::Crash => Some("crash"),
            Self::SelectUp
            | Self::SelectDown
            | Self::CycleHistogram
            | Self::Lesson
            | Self::Theory
            | Self::Errors
            | Self::Freeze
            | Self::Help
            | Self::CloseOverlay
            | Self::Screenshot
            | Self::Quit
            | Self::QuitNow
            | Self::Slower
            | Self::Faster
            | Self::FullSpeed
            | Self::CycleChart
            | Self::CycleSpan
            | Self::StepBack
            | Self::StepForward
            | Self::JumpBack
            | Self::JumpForward
            | Self::PrevEvent
            | Self::NextEvent
            | Self::Live
            | Self::ScrollLog
            | Self::FilterLog => None,
        }
    }

    /// Why this action cannot apply under `controls`, if it cannot.
    pub fn refusal(self, controls: &crate::model::Controls) -> Option<&'static str> {
        self.command_word().and_then(|w| controls.refusal_of(w))
    }
}

/// One key: a code and the modifiers it needs (Shift is ignored for characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key code.
    pub code: KeyCode,
    /// True if Ctrl must be held.
    pub ctrl: bool,
}

impl Key {
    const fn plain(code: KeyCode) -> Self {
        Self { code, ctrl: false }
    }

    const fn ch(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    /// The key as the help overlay names it: `↑`, `space`, `Ctrl-C`.
    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) if self.ctrl => c.to_ascii_uppercase().to_string(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }

    fn matches(&self, event: &KeyEvent) -> bool {
        self.code == event.code && self.ctrl == event.modifiers.contains(KeyModifiers::CONTROL)
    }
}

/// A row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct KeyBinding {
    /// The keys that trigger the action; any one of them will do.
    pub keys: &'static [Key],
    /// The action the keys trigger.
    pub action: Action,
    /// What the key does, for the help overlay.
    pub help: &'static str,
    /// Its place in the footer, if it has one.
    pub footer: Option<Footer>,
}

/// A key's entry in the footer: lower ranks come first and survive narrow terminals.
#[derive(Debug, Clone, Copy)]
pub struct Footer {
    /// Position in the footer: lower ranks come first and are dropped last.
    pub rank: u8,
    /// The keys as the footer shows them, e.g. `↑↓`.
    pub keys: &'static str,
    /// The footer's one-word label, e.g. `select`.
    pub label: &'static str,
}

const fn foot(rank: u8, keys: &'static str, label: &'static str) -> Option<Footer> {
    Some(Footer { rank, keys, label })
}

impl KeyBinding {
    /// The keys as shown in help: `↑ k`.
    pub fn key_names(&self) -> String {
        let names: Vec<String> = self.keys.iter().map(Key::name).collect();
        names.join(" ")
    }
}

const fn bind(
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    footer: Option<Footer>,
) -> KeyBinding {
    KeyBinding {
        keys,
        action,
        help,
        footer,
    }
}

/// The key table (README.md's "Keys"), in the order help lists it.
#[rustfmt::skip]
pub const KEYS: &[KeyBinding] = &[
    bind(&[Key::plain(KeyCode::Up), Key::ch('k')], Action::SelectUp, "select the stage above", None),
    bind(&[Key::plain(KeyCode::Down), Key::ch('j')], Action::SelectDown, "select the stage below", foot(2, "↑↓", "select")),
    bind(&[Key::ch('+')], Action::AddWorker, "add a worker to the stage", foot(3, "+-", "worker")),
    bind(&[Key::ch('-')], Action::RemoveWorker, "remove a worker", None),
    bind(&[Key::ch('b')], Action::Burst, "inject a burst", foot(4, "b", "burst")),
    bind(&[Key::ch('[')], Action::RateDown, "source rate -10%", None),
    bind(&[Key::ch(']')], Action::RateUp, "source rate +10%", foot(5, "[]", "rate")),
    bind(&[Key::ch(' ')], Action::TogglePause, "pause / resume the source", foot(6, "space", "pause")),
    bind(&[Key::ch('p')], Action::CyclePolicy, "cycle the queue policy", foot(8, "p", "policy")),
    bind(&[Key::ch('d')], Action::SlowDown, "slow the stage down ×2", foot(9, "d D", "slow")),
    bind(&[Key::ch('D')], Action::Restore, "restore the stage's speed", None),
    bind(&[Key::ch('x')], Action::Crash, "crash one worker", foot(11, "x", "crash")),
    bind(&[Key::plain(KeyCode::Tab)], Action::CycleHistogram, "histogram: service/wait/e2e", foot(7, "Tab", "hist")),
    bind(&[Key::ch('l')], Action::Lesson, "the scenario's lesson", foot(12, "l", "lesson")),
    bind(&[Key::ch('t')], Action::Theory, "queueing theory of the stage", foot(13, "t", "theory")),
    bind(&[Key::ch('e')], Action::Errors, "dead letters and errors", foot(14, "e", "errors")),
    bind(&[Key::ch('f')], Action::Freeze, "freeze the view / live", foot(10, "f", "freeze")),
    bind(&[Key::ch('?')], Action::Help, "this help", foot(0, "?", "help")),
    bind(&[Key::plain(KeyCode::Esc)], Action::CloseOverlay, "close the overlay", None),
    bind(&[Key::ch('S')], Action::Screenshot, "save the frame as SVG", foot(15, "S", "svg")),
    bind(&[Key::ch('q')], Action::Quit, "stop, drain, exit (q q: now)", foot(1, "q", "quit")),
    bind(&[Key { code: KeyCode::Char('c'), ctrl: true }], Action::QuitNow, "exit at once", None),
    // The time axis: charts over time, rewind, replay.
    bind(&[Key::ch('c')], Action::CycleChart, "chart: next metric", foot(16, "c z", "chart")),
    bind(&[Key::ch('z')], Action::CycleSpan, "chart span: 1m/10m/whole run", None),
    bind(&[Key::plain(KeyCode::Left)], Action::StepBack, "rewind one tick", foot(9, "←→", "rewind")),
    bind(&[Key::plain(KeyCode::Right)], Action::StepForward, "forward one tick", None),
    bind(&[Key::plain(KeyCode::PageUp)], Action::JumpBack, "rewind 10 s", None),
    bind(&[Key::plain(KeyCode::PageDown)], Action::JumpForward, "forward 10 s", None),
    bind(&[Key::ch(',')], Action::PrevEvent, "previous event", None),
    bind(&[Key::ch('.')], Action::NextEvent, "next event", None),
    bind(&[Key::plain(KeyCode::End)], Action::Live, "back to live", None),
    bind(&[Key::ch('L')], Action::ScrollLog, "scroll the event log back", foot(17, "L F", "log")),
    bind(&[Key::ch('F')], Action::FilterLog, "log: all/cmd/fail/bottleneck", None),
    // Speed: a replay's, or virtual time's.
    bind(&[Key::ch('<')], Action::Slower, "speed: slower", foot(14, "<>", "speed")),
    bind(&[Key::ch('>')], Action::Faster, "speed: faster", None),
    bind(&[Key::ch('*')], Action::FullSpeed, "virtual time: fastest", None),
];

impl Action {
    /// Whether the action applies at `speed` (the speed keys only where
    /// there is a speed to turn).
    pub fn applies_at(self, speed: SpeedControl) -> bool {
        if self == Self::FullSpeed {
            speed == SpeedControl::Virtual
        } else if matches!(self, Self::Slower | Self::Faster) {
            speed != SpeedControl::None
        } else {
            true
        }
    }
}

/// Whose speed the speed keys turn, if anyone's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeedControl {
    /// A live run in real time: none.
    None,
    /// A replay's playback speed (slower and faster).
    Replay,
    /// Virtual time's pace against the wall (slower, faster, fastest).
    Virtual,
}

/// The bindings that apply at `speed`, in table order: the speed keys only
/// where there is a speed to turn.
pub fn bindings_for(speed: SpeedControl) -> impl Iterator<Item = &'static KeyBinding> {
    KEYS.iter().filter(move |b| b.action.applies_at(speed))
}

/// The action bound to a key press, if any.
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    KEYS.iter()
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn shifted_characters_and_arrows_dispatch() {
        let shift = KeyModifiers::SHIFT;
        assert_eq!(
            action_for(&press(KeyCode::Char('D'), shift)),
            Some(Action::Restore)
        );
        assert_eq!(
            action_for(&press(KeyCode::Char('+'), shift)),
            Some(Action::AddWorker)
        );
        assert_eq!(
            action_for(&press(KeyCode::Char('?'), shift)),
            Some(Action::Help)
        );
        assert_eq!(
            action_for(&press(KeyCode::Down, KeyModifiers::NONE)),
            Some(Action::SelectDown)
        );
        assert_eq!(
            action_for(&press(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::SelectDown)
        );
    }

    #[test]
    fn ctrl_c_quits_now_and_plain_c_only_cycles_the_chart() {
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_c), Some(Action::QuitNow));
        assert_eq!(
            action_for(&press(KeyCode::Char('c'), KeyModifiers::NONE)),
            Some(Action::CycleChart)
        );
        assert_eq!(
            action_for(&press(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            None
        );
    }

    #[test]
    fn every_help_text_fits_a_column_of_the_help_overlay() {
        // render/help.rs lays keys out in two columns of 28 characters at 80×24.
        for b in KEYS {
            assert!(b.help.chars().count() <= 28, "{:?} is too long", b.help);
        }
    }

    #[test]
    fn the_footer_has_an_entry_for_errors_and_screenshots() {
        let footer: Vec<&str> = KEYS
            .iter()
            .filter_map(|b| b.footer)
            .map(|f| f.keys)
            .collect();
        assert!(footer.contains(&"e") && footer.contains(&"S"), "{footer:?}");
    }

    #[test]
    fn no_key_is_bound_twice() {
        let all: Vec<Key> = KEYS.iter().flat_map(|b| b.keys.iter().copied()).collect();
        for (i, k) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(k), "{} bound twice", k.name());
        }
    }

    #[test]
    fn key_names_read_like_the_design_table() {
        let names: Vec<String> = KEYS.iter().map(KeyBinding::key_names).collect();
        for expected in ["↑ k", "↓ j", "space", "Tab", "Esc", "Ctrl-C", "D", "S"] {
            assert!(names.iter().any(|n| n == expected), "missing {expected}");
        }
    }
}

//! `--record FILE.toml`: the run's scenario written back as TOML, its
//! timeline merged with every action the operator took, at the engine time
//! it took effect. `pipetop run FILE.toml` replays it, headless too.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Context;

use super::output_file::OutputFile;
use crate::model::{
    Command, Event, EventKind, FailKind, Origin, PipelineSpec, QueueCapacity, Rate, ServiceDist,
    TimedCommand, WorkMode,
};
use crate::session::SessionInfo;

/// The operator's commands among `events`, as timeline entries: what the
/// engine carried out at the operator's word, at the time it took effect.
/// An immediate quit is recorded as a `stop`.
pub fn operator_commands(events: &[Event]) -> Vec<TimedCommand> {
    events
        .iter()
        .filter_map(|e| match (e.origin, &e.kind) {
            (Origin::Operator, EventKind::Applied(applied)) => Some(TimedCommand {
                at: Duration::from_secs_f64(e.t_s.max(0.0)),
                command: match applied.command() {
                    Command::Abort => Command::Stop,
                    command => command,
                },
                note: Some("recorded".into()),
            }),
            _ => None,
        })
        .collect()
}

/// Writes the recording of a run; a library pipeline (no scenario) cannot be
/// recorded and gives an error saying so.
pub fn write(file: OutputFile, info: &SessionInfo, events: &[Event]) -> anyhow::Result<()> {
    let spec = info.spec.as_ref().context(NEEDS_A_SCENARIO)?;
    let mut timeline = info.timeline.clone();
    timeline.extend(operator_commands(events));
    timeline.sort_by_key(|t| t.at);
    file.replace_with(scenario_toml(info, spec, &timeline).as_bytes())
}

/// Why a library pipeline cannot be recorded.
pub const NEEDS_A_SCENARIO: &str =
    "--record needs a scenario pipeline: a library pipeline has no TOML form";

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A duration as a TOML string that parses back to exactly it: whole
/// milliseconds where it is (`"2000ms"`, as recordings always wrote), else
/// the largest smaller unit that divides it (`"1500us"`, `"500ns"`).
fn exact(d: Duration) -> String {
    let ns = d.as_nanos();
    let text = [(1_000_000, "ms"), (1_000, "us")]
        .into_iter()
        .find(|(unit, _)| ns.is_multiple_of(*unit))
        .map_or_else(
            || format!("{ns}ns"),
            |(unit, name)| format!("{}{name}", ns / unit),
        );
    quoted(&text)
}

fn rate(rate: Rate) -> String {
    match rate {
        // Debug prints the shortest text that reads back as the same f64,
        // always as a TOML float (`800.0`, `0.0004`, `1e-6`).
        Rate::PerSecond(r) => format!("{r:?}"),
        Rate::Max => quoted("max"),
    }
}

fn service(dist: &ServiceDist) -> String {
    let body = match *dist {
        ServiceDist::Fixed { mean } | ServiceDist::Exp { mean } => {
            format!("mean = {}", exact(mean))
        }
        ServiceDist::Uniform { min, max } => {
            format!("min = {}, max = {}", exact(min), exact(max))
        }
        ServiceDist::Normal { mean, stddev } | ServiceDist::LogNormal { mean, stddev } => {
            format!("mean = {}, stddev = {}", exact(mean), exact(stddev))
        }
    };
    format!("{{ dist = {}, {body} }}", quoted(dist.name()))
}

/// The whole scenario as TOML, in the documented format.
pub fn scenario_toml(info: &SessionInfo, spec: &PipelineSpec, timeline: &[TimedCommand]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Recorded by pipetop: the `{}` scenario plus the operator's actions.",
        info.name
    );
    let _ = writeln!(out, "name = {}", quoted(&info.name));
    let _ = writeln!(out, "description = {}", quoted(&info.description));
    let _ = writeln!(out, "seed = {}", spec.seed);
    if let Some(duration) = info.duration {
        let _ = writeln!(out, "duration = {}", exact(duration));
    }
    let _ = writeln!(out, "lesson = {}", quoted(&info.lesson));
    let _ = writeln!(out, "\n[source]");
    let _ = writeln!(out, "rate = {}", rate(spec.source.rate));
    let arrivals = match spec.source.arrivals {
        crate::model::Arrivals::Poisson => "poisson",
        crate::model::Arrivals::Uniform => "uniform",
    };
    let _ = writeln!(out, "arrivals = {}", quoted(arrivals));
    let _ = writeln!(out, "burst = {}", spec.source.burst);
    for stage in &spec.stages {
        let _ = writeln!(out, "\n[[stage]]");
        let _ = writeln!(out, "name = {}", quoted(&stage.name));
        let _ = writeln!(out, "workers = {}", stage.workers);
        match stage.queue {
            QueueCapacity::Bounded(n) => {
                let _ = writeln!(out, "queue = {n}");
            }
            QueueCapacity::Unbounded => {
                let _ = writeln!(out, "queue = {}", quoted("unbounded"));
            }
        }
        let _ = writeln!(out, "policy = {}", quoted(stage.policy.as_str()));
        let _ = writeln!(out, "service = {}", service(&stage.service));
        let mode = match stage.mode {
            WorkMode::Sleep => "sleep",
            WorkMode::Spin => "spin",
        };
        let _ = writeln!(out, "mode = {}", quoted(mode));
        let _ = writeln!(out, "fail_rate = {}", stage.fail_rate);
        let kind = match stage.fail_kind {
            FailKind::Error => "error",
            FailKind::Panic => "panic",
        };
        let _ = writeln!(out, "fail_kind = {}", quoted(kind));
        let _ = writeln!(out, "max_attempts = {}", stage.max_attempts);
    }
    for entry in timeline {
        let _ = writeln!(out, "\n[[timeline]]");
        let _ = writeln!(out, "at = {}", exact(entry.at));
        let _ = writeln!(out, "do = {}", quoted(entry.command.kind()));
        let stage_name = |i: usize| quoted(spec.stages.get(i).map_or("?", |s| s.name.as_str()));
        match &entry.command {
            Command::Workers { stage, count } => {
                let _ = writeln!(out, "stage = {}\ncount = {count}", stage_name(*stage));
            }
            Command::Burst { items } => {
                let _ = writeln!(out, "items = {items}");
            }
            Command::Rate(r) => {
                let _ = writeln!(out, "rate = {}", rate(*r));
            }
            Command::Policy { stage, policy } => {
                let _ = writeln!(
                    out,
                    "stage = {}\npolicy = {}",
                    stage_name(*stage),
                    quoted(policy.as_str())
                );
            }
            Command::Slowdown { stage, factor } => {
                let _ = writeln!(out, "stage = {}\nfactor = {factor}", stage_name(*stage));
            }
            Command::Crash { stage } => {
                let _ = writeln!(out, "stage = {}", stage_name(*stage));
            }
            Command::Pause | Command::Resume | Command::Stop | Command::Abort => {}
        }
        if let Some(note) = &entry.note {
            let _ = writeln!(out, "note = {}", quoted(note));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Applied, StageRef};
    use crate::scenario;

    #[test]
    fn a_recording_parses_back_to_the_same_scenario_plus_the_actions() {
        let original = scenario::load("burst").unwrap();
        let info = SessionInfo {
            name: original.name.clone(),
            description: original.description.clone(),
            lesson: original.lesson.clone(),
            seed: original.pipeline.seed,
            burst_items: original.pipeline.source.burst,
            spec: Some(original.pipeline.clone()),
            timeline: original.timeline.clone(),
            duration: original.duration,
            ..SessionInfo::default()
        };
        let ingest = StageRef {
            index: 0,
            name: "ingest".into(),
        };
        let by_operator = |t_s, applied| Event {
            origin: Origin::Operator,
            ..Event::new(t_s, EventKind::Applied(applied))
        };
        let plus = by_operator(
            2.5,
            Applied::Workers {
                stage: ingest.clone(),
                from: 4,
                to: 5,
            },
        );
        let faster = by_operator(
            3.0,
            Applied::Rate {
                from: Rate::PerSecond(800.0),
                to: Rate::PerSecond(880.0),
            },
        );
        let engine_event = Event::new(
            4.0,
            EventKind::Drops {
                stage: ingest,
                policy: crate::model::QueuePolicy::DropNewest,
            },
        );
        let ignored = Event {
            origin: Origin::Operator,
            ..Event::new(
                4.5,
                EventKind::Ignored {
                    command: Command::Burst { items: 5 },
                    why: "the source has stopped".into(),
                },
            )
        };
        let actions = operator_commands(&[plus, faster, engine_event, ignored]);
        assert_eq!(actions.len(), 2);
        let mut timeline = original.timeline.clone();
        timeline.extend(actions);
        timeline.sort_by_key(|t| t.at);
        let text = scenario_toml(&info, &original.pipeline, &timeline);
        let replayed = scenario::parse(&text, "recording.toml").unwrap();
        assert_eq!(replayed.pipeline, original.pipeline);
        assert_eq!(replayed.lesson, original.lesson);
        let commands: Vec<_> = replayed
            .timeline
            .iter()
            .map(|t| (t.at, t.command))
            .collect();
        assert!(commands.contains(&(
            Duration::from_millis(2_500),
            Command::Workers { stage: 0, count: 5 }
        )));
        assert!(commands.contains(&(
            Duration::from_secs(3),
            Command::Rate(Rate::PerSecond(880.0))
        )));
        assert_eq!(replayed.timeline.len(), original.timeline.len() + 2);
    }

    fn command_strategy() -> impl proptest::strategy::Strategy<Value = Command> {
        use proptest::prelude::*;
        prop_oneof![
            (0usize..4, 0usize..=crate::model::MAX_WORKERS)
                .prop_map(|(stage, count)| Command::Workers { stage, count }),
            (1u64..10_000_000).prop_map(|items| Command::Burst { items }),
            (crate::model::MIN_RATE..10_000_000.0).prop_map(|r| Command::Rate(Rate::PerSecond(r))),
            Just(Command::Pause),
            Just(Command::Resume),
            (0usize..4, 1.0f64..crate::model::MAX_SLOWDOWN)
                .prop_map(|(stage, factor)| Command::Slowdown { stage, factor }),
            (0usize..4).prop_map(|stage| Command::Crash { stage }),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever a session did, its recording passes `check` and reads
        /// back as the same values: rates, service times and times to the
        /// nanosecond.
        #[test]
        fn a_recording_always_parses_back_to_what_ran(
            entries in proptest::collection::vec(
                (0u64..crate::model::MAX_DURATION.as_nanos() as u64, command_strategy()),
                0..12,
            ),
            rate in crate::model::MIN_RATE..10_000_000.0,
            service_ns in 1u64..60_000_000_000,
        ) {
            let mut original = scenario::load("steady").unwrap();
            original.pipeline.source.rate = Rate::PerSecond(rate);
            original.pipeline.stages[0].service =
                ServiceDist::Fixed { mean: Duration::from_nanos(service_ns) };
            let mut timeline: Vec<TimedCommand> = entries
                .into_iter()
                .map(|(at, command)| TimedCommand {
                    at: Duration::from_nanos(at),
                    command,
                    note: Some("recorded".into()),
                })
                .collect();
            timeline.sort_by_key(|t| t.at);
            let info = SessionInfo {
                name: original.name.clone(),
                spec: Some(original.pipeline.clone()),
                ..SessionInfo::default()
            };
            let text = scenario_toml(&info, &original.pipeline, &timeline);
            let replayed = scenario::parse(&text, "recording.toml")
                .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}")))?;
            proptest::prop_assert_eq!(&replayed.pipeline, &original.pipeline);
            let replayed: Vec<_> = replayed.timeline.iter().map(|t| (t.at, t.command)).collect();
            let expected: Vec<_> = timeline.iter().map(|t| (t.at, t.command)).collect();
            proptest::prop_assert_eq!(replayed, expected);
        }
    }
}

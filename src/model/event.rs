//! Something that happened in a run, typed: a command carried out or
//! ignored, or something the engine noticed. The report's and the series'
//! JSON words (`kind`, `stage`, `items`, …) and every event's sentence are
//! made from the type here, in one place.

use serde::{Serialize, Serializer};

use super::command::Command;
use super::spec::{QueuePolicy, Rate};

/// Who caused an event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A command sent through the engine's `Controller`: a key in the dashboard.
    Operator,
    /// The scenario's timeline or the run's time limit.
    Timeline,
    /// The engine itself noticed it (drops, restarts, the source running out).
    #[default]
    Engine,
}

impl Origin {
    /// Who, in words: "the operator", "the timeline", "the engine".
    pub fn who(self) -> &'static str {
        match self {
            Self::Operator => "the operator",
            Self::Timeline => "the timeline",
            Self::Engine => "the engine",
        }
    }
}

/// A stage named in an event: its place in the pipeline and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRef {
    /// Index of the stage, from 0 (as a [`Command`] names it).
    pub index: usize,
    /// The stage's name (as the report names it).
    pub name: String,
}

/// A command the engine carried out, with what it changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// A pool resized.
    Workers {
        /// The stage resized.
        stage: StageRef,
        /// The requested pool size before.
        from: usize,
        /// The requested pool size now.
        to: usize,
    },
    /// Items injected at once.
    Burst {
        /// How many.
        items: u64,
    },
    /// The source rate changed.
    Rate {
        /// The rate before.
        from: Rate,
        /// The rate now.
        to: Rate,
    },
    /// The source paused.
    Pause,
    /// The source resumed.
    Resume,
    /// A stage's queue policy changed.
    Policy {
        /// The stage.
        stage: StageRef,
        /// The policy before.
        from: QueuePolicy,
        /// The policy now.
        to: QueuePolicy,
    },
    /// A stage's service time stretched (or restored, at 1.0 or below).
    Slowdown {
        /// The stage.
        stage: StageRef,
        /// The factor as applied (at most the engine's limit).
        factor: f64,
    },
    /// One worker told to crash mid-item.
    Crash {
        /// The stage.
        stage: StageRef,
    },
    /// The source stopped; the queues drain.
    Stop,
    /// The run ended at once.
    Abort,
}

impl Applied {
    /// The command that was carried out.
    pub fn command(&self) -> Command {
        match self {
            Self::Workers { stage, to, .. } => Command::Workers {
                stage: stage.index,
                count: *to,
            },
            Self::Burst { items } => Command::Burst { items: *items },
            Self::Rate { to, .. } => Command::Rate(*to),
            Self::Pause => Command::Pause,
            Self::Resume => Command::Resume,
            Self::Policy { stage, to, .. } => Command::Policy {
                stage: stage.index,
                policy: *to,
            },
            Self::Slowdown { stage, factor } => Command::Slowdown {
                stage: stage.index,
                factor: *factor,
            },
            Self::Crash { stage } => Command::Crash { stage: stage.index },
            Self::Stop => Command::Stop,
            Self::Abort => Command::Abort,
        }
    }

    fn stage(&self) -> Option<&StageRef> {
        match self {
            Self::Workers { stage, .. }
            | Self::Policy { stage, .. }
            | Self::Slowdown { stage, .. }
            | Self::Crash { stage } => Some(stage),
            Self::Burst { .. }
            | Self::Rate { .. }
            | Self::Pause
            | Self::Resume
            | Self::Stop
            | Self::Abort => None,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Workers { stage, from, to } => format!("{}: workers {from} → {to}", stage.name),
            Self::Burst { items } => format!("burst of {items} items"),
            Self::Rate { from, to } => format!("source rate {from} → {to}"),
            Self::Pause => "source paused".into(),
            Self::Resume => "source resumed".into(),
            Self::Policy { stage, from, to } => format!("{}: policy {from} → {to}", stage.name),
            Self::Slowdown { stage, factor } if *factor <= 1.0 => {
                format!("{}: speed restored", stage.name)
            }
            Self::Slowdown { stage, factor } => format!("{}: slowed ×{factor}", stage.name),
            Self::Crash { stage } => format!("{}: crashing one worker", stage.name),
            Self::Stop => "stop: source stopped, draining".into(),
            Self::Abort => "abort: ending now".into(),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A command was carried out.
    Applied(Applied),
    /// A command was not carried out.
    Ignored {
        /// The command.
        command: Command,
        /// Why not, in a few words.
        why: String,
    },
    /// The source ran out of items; the drain begins.
    SourceDone,
    /// The source stopped with arrivals due that it never admitted.
    Unadmitted {
        /// How many.
        items: u64,
    },
    /// The process's RSS passed the memory cap; the run aborts.
    MemoryCap {
        /// The RSS reached, in bytes.
        rss_bytes: u64,
        /// The cap, in bytes.
        cap_bytes: u64,
    },
    /// The drain outlasted `--drain-timeout`; the run aborts and reports
    /// what was still in flight.
    DrainTimeout {
        /// The limit, in seconds.
        limit_s: f64,
        /// Items still in flight when it passed.
        in_flight: u64,
    },
    /// A stage left at zero workers got one back so that the drain can end.
    DrainWorker {
        /// The stage.
        stage: StageRef,
    },
    /// The OS refused to start a worker thread; the pool keeps what it has.
    SpawnRefused {
        /// The stage.
        stage: StageRef,
        /// Workers the pool runs now.
        running: usize,
        /// The OS's reason.
        error: String,
    },
    /// A stage's full queue started dropping items.
    Drops {
        /// The stage.
        stage: StageRef,
        /// Its policy.
        policy: QueuePolicy,
    },
    /// A stage stopped dropping.
    DropsEnd {
        /// The stage.
        stage: StageRef,
        /// Its drops in this episode: since it started dropping.
        episode: u64,
        /// Its drops since the start.
        dropped: u64,
    },
    /// Workers restarted after a panic.
    Restart {
        /// The stage.
        stage: StageRef,
        /// How many restarted since the last tick.
        count: u64,
        /// The last panic's message, if one was kept.
        cause: Option<String>,
    },
    /// An output could not be written any more (a full disk, say): the
    /// run goes on without it.
    OutputFailed {
        /// Which output ("series").
        what: String,
        /// The error, naming the file.
        error: String,
    },
    /// The control loop fell behind and sampled late: ticks whose time
    /// came and went with no snapshot (too many stages for the tick).
    TicksSkipped {
        /// Ticks skipped since the last such event.
        skipped: u64,
        /// Ticks skipped since the start.
        total: u64,
    },
    /// Something a producer outside this process reported (a Flink job
    /// restarting, a rescale taking effect, the job failing).
    External {
        /// The report's `kind` word, e.g. `job-restarting`, `rescaled`.
        word: &'static str,
        /// The stage it concerns, if one.
        stage: Option<StageRef>,
        /// The sentence for the event log.
        message: String,
    },
    /// The bottleneck moved (or cleared, with no stage).
    Bottleneck {
        /// The stage that now limits the pipeline.
        stage: Option<StageRef>,
        /// Why, in one line.
        reason: String,
    },
}

impl EventKind {
    /// The report's `kind` word: the timeline `do` word of a command, or what
    /// happened (`restart`, `drops`, `source-done`, …).
    pub fn word(&self) -> &'static str {
        match self {
            Self::Applied(applied) => applied.command().kind(),
            Self::Ignored { command, .. } => command.kind(),
            Self::SourceDone => "source-done",
            Self::Unadmitted { .. } => "unadmitted",
            Self::MemoryCap { .. } => "memory-cap",
            Self::DrainTimeout { .. } => "drain-timeout",
            Self::DrainWorker { .. } => "workers",
            Self::SpawnRefused { .. } => "spawn-refused",
            Self::Drops { .. } => "drops",
            Self::DropsEnd { .. } => "drops-end",
            Self::Restart { .. } => "restart",
            Self::Bottleneck { .. } => "bottleneck",
            Self::OutputFailed { .. } => "output-failed",
            Self::TicksSkipped { .. } => "ticks-skipped",
            Self::External { word, .. } => word,
        }
    }

    /// The stage the event concerns, if it concerns one.
    pub fn stage(&self) -> Option<&StageRef> {
        match self {
            Self::Applied(applied) => applied.stage(),
            Self::DrainWorker { stage }
            | Self::SpawnRefused { stage, .. }
            | Self::Drops { stage, .. }
            | Self::DropsEnd { stage, .. }
            | Self::Restart { stage, .. } => Some(stage),
            Self::Bottleneck { stage, .. } | Self::External { stage, .. } => stage.as_ref(),
            Self::Ignored { .. }
            | Self::SourceDone
            | Self::Unadmitted { .. }
            | Self::MemoryCap { .. }
            | Self::DrainTimeout { .. }
            | Self::OutputFailed { .. }
            | Self::TicksSkipped { .. } => None,
        }
    }

    /// A human sentence describing the event.
    pub fn message(&self) -> String {
        match self {
            Self::Applied(applied) => applied.message(),
            Self::Ignored { command, why } => format!("{} ignored: {why}", command.kind()),
            Self::SourceDone => "the source ran out of items".into(),
            Self::Unadmitted { items } => format!(
                "the source stopped with {items} {} due and not admitted: \
                 never generated, {} in no count or latency",
                if *items == 1 { "arrival" } else { "arrivals" },
                if *items == 1 { "it is" } else { "they are" },
            ),
            Self::MemoryCap {
                rss_bytes,
                cap_bytes,
            } => format!(
                "memory cap reached: RSS {:.1} MiB > {:.1} MiB, aborting",
                *rss_bytes as f64 / 1_048_576.0,
                *cap_bytes as f64 / 1_048_576.0
            ),
            Self::DrainTimeout { limit_s, in_flight } => format!(
                "the drain outlasted its {limit_s}s limit (--drain-timeout): \
                 aborting with {in_flight} items in flight"
            ),
            Self::DrainWorker { stage } => {
                format!("{}: one worker back to drain the queue", stage.name)
            }
            Self::SpawnRefused {
                stage,
                running,
                error,
            } => format!(
                "{}: the OS refused a worker thread ({error}); the pool stays at {running}",
                stage.name
            ),
            Self::Drops { stage, policy } => {
                format!("{}: queue full, dropping items ({policy})", stage.name)
            }
            Self::DropsEnd {
                stage,
                episode,
                dropped,
            } => {
                format!(
                    "{}: stopped dropping ({episode} dropped in this episode, {dropped} in all)",
                    stage.name
                )
            }
            Self::Restart {
                stage,
                count,
                cause,
            } => {
                let cause = cause
                    .as_ref()
                    .map(|c| format!(" (last cause: {c})"))
                    .unwrap_or_default();
                format!(
                    "{}: {count} worker {} after a crash{cause}",
                    stage.name,
                    if *count == 1 { "restart" } else { "restarts" },
                )
            }
            Self::Bottleneck {
                stage: Some(_),
                reason,
            } => format!("bottleneck: {reason}"),
            Self::Bottleneck { stage: None, .. } => "no bottleneck: nothing is held back".into(),
            Self::OutputFailed { what, error } => {
                format!("{error}: the run goes on without its {what}")
            }
            Self::TicksSkipped { skipped, total } => format!(
                "sampling fell behind: {skipped} tick(s) skipped ({total} in the run); \
                 a longer --tick keeps every one"
            ),
            Self::External { message, .. } => message.clone(),
        }
    }

    /// The JSON fields beyond `kind` and `stage`: (items, count, rate,
    /// policy, factor), as schema 1 names them.
    fn fields(&self) -> Fields {
        let mut fields = Fields::default();
        match self {
            Self::Applied(Applied::Workers { to, .. }) => fields.count = Some(*to as u64),
            Self::Applied(Applied::Burst { items }) => fields.items = Some(*items),
            Self::Applied(Applied::Rate { to, .. }) => fields.rate = Some(*to),
            Self::Applied(Applied::Policy { to, .. }) => fields.policy = Some(*to),
            Self::Applied(Applied::Slowdown { factor, .. }) => {
                fields.factor = Some(factor.max(1.0));
            }
            Self::Unadmitted { items } => fields.items = Some(*items),
            Self::DrainWorker { .. } => fields.count = Some(1),
            Self::SpawnRefused { running, .. } => fields.count = Some(*running as u64),
            Self::Drops { policy, .. } => fields.policy = Some(*policy),
            Self::DropsEnd {
                episode, dropped, ..
            } => {
                fields.items = Some(*dropped);
                fields.count = Some(*episode);
            }
            Self::Restart { count, .. } => fields.count = Some(*count),
            Self::TicksSkipped { skipped, .. } => fields.count = Some(*skipped),
            Self::Applied(
                Applied::Pause
                | Applied::Resume
                | Applied::Crash { .. }
                | Applied::Stop
                | Applied::Abort,
            )
            | Self::Ignored { .. }
            | Self::SourceDone
            | Self::MemoryCap { .. }
            | Self::OutputFailed { .. }
            | Self::External { .. }
            | Self::Bottleneck { .. } => {}
            Self::DrainTimeout { in_flight, .. } => fields.items = Some(*in_flight),
        }
        fields
    }
}

#[derive(Debug, Default)]
struct Fields {
    items: Option<u64>,
    count: Option<u64>,
    rate: Option<Rate>,
    policy: Option<QueuePolicy>,
    factor: Option<f64>,
}

/// Something that happened, for the event log and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Seconds since the start.
    pub t_s: f64,
    /// Who caused it: the operator, the timeline or the engine.
    pub origin: Origin,
    /// What happened.
    pub kind: EventKind,
    /// The timeline entry's narration, if it had one.
    pub note: Option<String>,
}

impl Event {
    /// An event the engine noticed, with no note.
    pub fn new(t_s: f64, kind: EventKind) -> Self {
        Self {
            t_s,
            origin: Origin::Engine,
            kind,
            note: None,
        }
    }

    /// The report's `kind` word (see [`EventKind::word`]).
    pub fn word(&self) -> &'static str {
        self.kind.word()
    }

    /// The name of the stage it concerns, if it concerns one.
    pub fn stage_name(&self) -> Option<&str> {
        self.kind.stage().map(|s| s.name.as_str())
    }

    /// A human sentence describing the event.
    pub fn message(&self) -> String {
        self.kind.message()
    }
}

/// The report's and series' JSON form of an event (schema 1).
#[derive(Serialize)]
struct EventRecord<'a> {
    t_s: f64,
    origin: Origin,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate: Option<Rate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<QueuePolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    factor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    message: String,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = self.kind.fields();
        EventRecord {
            t_s: self.t_s,
            origin: self.origin,
            kind: self.word(),
            stage: self.stage_name(),
            items: fields.items,
            count: fields.count,
            rate: fields.rate,
            policy: fields.policy,
            factor: fields.factor,
            note: self.note.as_deref(),
            message: self.message(),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enrich() -> StageRef {
        StageRef {
            index: 2,
            name: "enrich".into(),
        }
    }

    #[test]
    fn an_applied_resize_serializes_as_schema_1_words() {
        let event = Event {
            origin: Origin::Operator,
            note: Some("more hands".into()),
            ..Event::new(
                2.5,
                EventKind::Applied(Applied::Workers {
                    stage: enrich(),
                    from: 4,
                    to: 5,
                }),
            )
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "t_s": 2.5, "origin": "operator", "kind": "workers", "stage": "enrich",
                "count": 5, "note": "more hands", "message": "enrich: workers 4 → 5"
            })
        );
        assert_eq!(
            EventKind::Applied(Applied::Workers {
                stage: enrich(),
                from: 4,
                to: 5
            })
            .message(),
            "enrich: workers 4 → 5"
        );
    }

    #[test]
    fn skipped_ticks_serialize_with_their_count_and_the_run_s_total() {
        let event = Event::new(
            3.0,
            EventKind::TicksSkipped {
                skipped: 4,
                total: 9,
            },
        );
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], "ticks-skipped");
        assert_eq!(json["count"], 4);
        let message = json["message"].as_str().unwrap();
        assert!(
            message.contains("4 tick(s) skipped (9 in the run)"),
            "{message}"
        );
    }

    #[test]
    fn an_applied_event_gives_back_its_command() {
        let applied = Applied::Policy {
            stage: enrich(),
            from: QueuePolicy::Block,
            to: QueuePolicy::DropOldest,
        };
        assert_eq!(
            applied.command(),
            Command::Policy {
                stage: 2,
                policy: QueuePolicy::DropOldest
            }
        );
        assert_eq!(EventKind::Applied(applied).word(), "policy");
    }

    #[test]
    fn an_ignored_command_keeps_its_word_and_says_why() {
        let kind = EventKind::Ignored {
            command: Command::Burst { items: 10 },
            why: "the source has stopped".into(),
        };
        assert_eq!(kind.word(), "burst");
        assert_eq!(kind.message(), "burst ignored: the source has stopped");
        let json = serde_json::to_value(Event::new(1.0, kind)).unwrap();
        assert!(
            json.get("items").is_none(),
            "an ignored burst injected nothing"
        );
    }

    #[test]
    fn one_restart_and_one_arrival_read_singular() {
        let restart = |count| EventKind::Restart {
            stage: enrich(),
            count,
            cause: None,
        };
        assert_eq!(
            restart(1).message(),
            "enrich: 1 worker restart after a crash"
        );
        assert_eq!(
            restart(3).message(),
            "enrich: 3 worker restarts after a crash"
        );
        let one = EventKind::Unadmitted { items: 1 }.message();
        assert!(
            one.contains("1 arrival due") && one.contains("it is in no count"),
            "{one}"
        );
        assert!(
            EventKind::Unadmitted { items: 2 }
                .message()
                .contains("2 arrivals due")
        );
    }
}

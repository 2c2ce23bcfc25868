//! Events nobody commanded but the operator should see, found by watching
//! successive snapshots: a stage starting or stopping to drop items, workers
//! restarting after a crash, and the bottleneck moving (with its reason).

use crate::engine::{Event, QueuePolicy};

use super::bottleneck;
use super::snapshot::{Backpressure, StageSnapshot};

/// The event kind for a bottleneck change; `stage` is `None` when it clears.
pub const BOTTLENECK: &str = "bottleneck";

/// Ticks a new bottleneck must hold before it is announced, so a stage
/// flickering at the busy threshold does not flood the event log.
const BOTTLENECK_HOLD: u32 = 2;

#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    dropped: u64,
    dropping: bool,
    restarts: u64,
}

/// Remembers what each stage last looked like.
#[derive(Debug, Default)]
pub struct EventWatch {
    seen: Vec<Seen>,
    bottleneck: BottleneckWatch,
}

/// The announced bottleneck and a change waiting to hold.
#[derive(Debug, Default)]
struct BottleneckWatch {
    current: Option<usize>,
    /// (index, first seen at, ticks held).
    candidate: Option<(Option<usize>, f64, u32)>,
}

impl BottleneckWatch {
    /// The event for a bottleneck that has held `BOTTLENECK_HOLD` ticks,
    /// dated when it first appeared.
    fn observe(&mut self, stages: &[StageSnapshot], t_s: f64) -> Option<Event> {
        let (now, reason) = current_bottleneck(stages);
        if now == self.current {
            self.candidate = None;
            return None;
        }
        let held = match &mut self.candidate {
            Some((index, _, held)) if *index == now => {
                *held += 1;
                *held
            }
            _ => {
                self.candidate = Some((now, t_s, 1));
                1
            }
        };
        if held < BOTTLENECK_HOLD {
            return None;
        }
        // Dated when it first appeared; the reason as of now, a tick settled.
        let (index, since, _) = self.candidate.take()?;
        self.current = index;
        Some(match index.and_then(|i| stages.get(i)) {
            Some(stage) => Event {
                stage: Some(stage.name.clone()),
                ..Event::new(
                    since,
                    BOTTLENECK,
                    format!("bottleneck: {}", reason.unwrap_or_default()),
                )
            },
            None => Event::new(since, BOTTLENECK, "no bottleneck: nothing is held back"),
        })
    }
}

/// The bottleneck by DESIGN's rule, from the stages alone. The source's own
/// backpressure is not among them: it is taken as blocked when the first
/// queue is full under `block`, which is when the source blocks.
fn current_bottleneck(stages: &[StageSnapshot]) -> (Option<usize>, Option<String>) {
    let source_full = stages.first().is_some_and(|s| {
        s.policy == QueuePolicy::Block && s.queue_capacity.is_some_and(|cap| s.queue_len >= cap)
    });
    let source = if source_full {
        Backpressure::High
    } else {
        Backpressure::Ok
    };
    let Some(index) = bottleneck::find(source, stages) else {
        return (None, None);
    };
    let reason = if index == 0 {
        let s = &stages[0];
        format!(
            "{}: busy {:.0}%, queue full, the source is held back",
            s.name,
            s.busy * 100.0
        )
    } else {
        bottleneck::reason(0.0, stages, index)
    };
    (Some(index), Some(reason))
}

impl EventWatch {
    /// The events implied by this tick's stages.
    pub fn events(&mut self, stages: &[StageSnapshot], t_s: f64) -> Vec<Event> {
        self.seen.resize(stages.len(), Seen::default());
        let mut events = Vec::new();
        for (seen, stage) in self.seen.iter_mut().zip(stages) {
            let dropping = stage.dropped > seen.dropped;
            if dropping && !seen.dropping {
                events.push(Event {
                    stage: Some(stage.name.clone()),
                    policy: Some(stage.policy),
                    ..Event::new(
                        t_s,
                        "drops",
                        format!(
                            "{}: queue full, dropping items ({})",
                            stage.name, stage.policy
                        ),
                    )
                });
            } else if !dropping && seen.dropping {
                events.push(Event {
                    stage: Some(stage.name.clone()),
                    items: Some(stage.dropped),
                    ..Event::new(
                        t_s,
                        "drops-end",
                        format!(
                            "{}: stopped dropping ({} dropped in all)",
                            stage.name, stage.dropped
                        ),
                    )
                });
            }
            let restarts = stage.restarts.saturating_sub(seen.restarts);
            if restarts > 0 {
                let cause = stage
                    .failures
                    .recent
                    .iter()
                    .rev()
                    .find(|f| f.panicked)
                    .map(|f| format!(" (last cause: {})", f.error))
                    .unwrap_or_default();
                events.push(Event {
                    stage: Some(stage.name.clone()),
                    count: Some(restarts as usize),
                    ..Event::new(
                        t_s,
                        "restart",
                        format!(
                            "{}: {restarts} worker restart(s) after a crash{cause}",
                            stage.name
                        ),
                    )
                });
            }
            *seen = Seen {
                dropped: stage.dropped,
                dropping,
                restarts: stage.restarts,
            };
        }
        events.extend(self.bottleneck.observe(stages, t_s));
        events
    }
}

//! Events nobody commanded but the operator should see, found by watching
//! successive snapshots: a stage starting or stopping to drop items, workers
//! restarting after a crash, and the bottleneck moving (with its reason).

use crate::model::{Event, EventKind, StageRef};

use super::snapshot::{Snapshot, StageSnapshot};

/// Names stage `index` of `stages` for an event.
fn stage_ref(stages: &[StageSnapshot], index: usize) -> StageRef {
    StageRef {
        index,
        name: stages[index].name.clone(),
    }
}

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
    fn observe(&mut self, snapshot: &Snapshot) -> Option<Event> {
        let (stages, t_s) = (&snapshot.stages, snapshot.t_s);
        let (now, reason) = (snapshot.bottleneck, snapshot.bottleneck_reason.clone());
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
        let stage = index
            .filter(|&i| i < stages.len())
            .map(|i| stage_ref(stages, i));
        let reason = reason.unwrap_or_default();
        Some(Event::new(since, EventKind::Bottleneck { stage, reason }))
    }
}

impl EventWatch {
    /// The events implied by this tick's snapshot.
    pub fn events(&mut self, snapshot: &Snapshot) -> Vec<Event> {
        let (stages, t_s) = (&snapshot.stages, snapshot.t_s);
        self.seen.resize(stages.len(), Seen::default());
        let mut events = Vec::new();
        for (index, (seen, stage)) in self.seen.iter_mut().zip(stages).enumerate() {
            let at = |kind| Event::new(t_s, kind);
            let dropping = stage.dropped > seen.dropped;
            if dropping && !seen.dropping {
                events.push(at(EventKind::Drops {
                    stage: stage_ref(stages, index),
                    policy: stage.policy,
                }));
            } else if !dropping && seen.dropping {
                events.push(at(EventKind::DropsEnd {
                    stage: stage_ref(stages, index),
                    dropped: stage.dropped,
                }));
            }
            let restarts = stage.restarts.saturating_sub(seen.restarts);
            if restarts > 0 {
                let cause = stage
                    .failures
                    .recent
                    .iter()
                    .rev()
                    .find(|f| f.panicked)
                    .map(|f| f.error.clone());
                events.push(at(EventKind::Restart {
                    stage: stage_ref(stages, index),
                    count: restarts,
                    cause,
                }));
            }
            *seen = Seen {
                dropped: stage.dropped,
                dropping,
                restarts: stage.restarts,
            };
        }
        events.extend(self.bottleneck.observe(snapshot));
        events
    }
}

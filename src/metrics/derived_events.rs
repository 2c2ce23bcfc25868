//! Events nobody commanded but the operator should see, found by watching
//! successive snapshots: a stage starting or stopping to drop items, workers
//! restarting after a crash, and the bottleneck moving (with its reason).

use crate::engine::Event;

use super::snapshot::Snapshot;

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

impl EventWatch {
    /// The events implied by this tick's snapshot.
    pub fn events(&mut self, snapshot: &Snapshot) -> Vec<Event> {
        let (stages, t_s) = (&snapshot.stages, snapshot.t_s);
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
        events.extend(self.bottleneck.observe(snapshot));
        events
    }
}

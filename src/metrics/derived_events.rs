//! Events nobody commanded but the operator should see, found by watching
//! successive snapshots: a stage starting or stopping to drop items, and
//! workers restarting after a crash.

use crate::engine::Event;

use super::snapshot::StageSnapshot;

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
        events
    }
}

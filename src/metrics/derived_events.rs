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
    /// The stage's drops when its current (or last) dropping episode began.
    episode_from: u64,
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
            let mut episode_from = seen.episode_from;
            if dropping && !seen.dropping {
                episode_from = seen.dropped;
                events.push(at(EventKind::Drops {
                    stage: stage_ref(stages, index),
                    policy: stage.policy,
                }));
            } else if !dropping && seen.dropping {
                events.push(at(EventKind::DropsEnd {
                    stage: stage_ref(stages, index),
                    episode: stage.dropped.saturating_sub(episode_from),
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
                episode_from,
                restarts: stage.restarts,
            };
        }
        events.extend(self.bottleneck.observe(snapshot));
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::Backpressure;
    use crate::model::QueuePolicy;

    /// A snapshot whose only stage has dropped `dropped` items so far.
    fn with_drops(tick: u64, dropped: u64) -> Snapshot {
        let stage = StageSnapshot {
            name: "enrich".into(),
            workers: 1,
            workers_target: 1,
            queue_len: 8,
            queue_capacity: Some(8),
            queue_max: 8,
            queue_len_mean: 8.0,
            window: Default::default(),
            policy: QueuePolicy::DropNewest,
            in_service: 1,
            in_rate: 0.0,
            out_rate: 0.0,
            accepted: 0,
            processed: 0,
            dropped,
            retried: 0,
            dead_lettered: 0,
            restarts: 0,
            service_ms: Default::default(),
            wait_ms: Default::default(),
            busy: 1.0,
            idle: 0.0,
            blocked: 0.0,
            backpressure: Backpressure::Ok,
            utilization_total: Default::default(),
            slowdown: 1.0,
            failures: Default::default(),
            watermark: None,
        };
        Snapshot {
            stages: vec![stage],
            ..Snapshot::quiet(tick, tick as f64, 100.0)
        }
    }

    /// The drops-end events of a run whose stage dropped these totals, tick by tick.
    fn ends(totals: &[u64]) -> Vec<(u64, u64)> {
        let mut watch = EventWatch::default();
        totals
            .iter()
            .enumerate()
            .flat_map(|(tick, &dropped)| watch.events(&with_drops(tick as u64, dropped)))
            .filter_map(|e| {
                let EventKind::DropsEnd {
                    episode, dropped, ..
                } = e.kind
                else {
                    return None;
                };
                Some((episode, dropped))
            })
            .collect()
    }

    #[test]
    fn stopped_dropping_counts_the_episode_and_the_run() {
        // Two episodes: 0 → 30 (30 dropped), then 30 → 100 (70 more).
        let totals = [0, 10, 30, 30, 30, 60, 100, 100];
        let got = ends(&totals);
        assert_eq!(got, vec![(30, 30), (70, 100)]);
        // Every drop belongs to one episode.
        assert_eq!(got.iter().map(|&(e, _)| e).sum::<u64>(), 100);
        let sentence = EventKind::DropsEnd {
            stage: StageRef {
                index: 0,
                name: "enrich".into(),
            },
            episode: 70,
            dropped: 100,
        }
        .message();
        assert!(
            sentence.contains("70 dropped in this episode, 100 in all"),
            "{sentence}"
        );
    }
}

//! The commands a Flink job takes: `workers` through the adaptive
//! scheduler's `PUT /jobs/:id/resource-requirements`, burst, rate and
//! pause through a submitted job's control file; any other is an
//! `Ignored` event saying why.

use crate::model::{Applied, Command, EventKind, Origin};

use super::api::{Bounds, ResourceRequirements, VertexRequirement};
use super::control_file::ControlFile;
use super::watch::Watcher;

impl Watcher {
    /// Carries out one command, or says why not.
    pub(super) fn command(&mut self, command: Command, origin: Origin, note: Option<String>) {
        if let Some(why) = self.job.controls.refusal(&command) {
            return self.ignored(command, origin, note, why.to_string());
        }
        match command {
            Command::Workers { stage, count } => self.rescale(stage, count, origin, note),
            Command::Burst { items } => self.steer(command, origin, note, |c| {
                c.burst_items += items;
                Applied::Burst { items }
            }),
            Command::Rate(rate) => self.steer(command, origin, note, |c| {
                let from = std::mem::replace(&mut c.rate, rate);
                Applied::Rate { from, to: rate }
            }),
            Command::Pause => self.steer(command, origin, note, |c| {
                c.paused = true;
                Applied::Pause
            }),
            Command::Resume => self.steer(command, origin, note, |c| {
                c.paused = false;
                Applied::Resume
            }),
            // Refused above for every Flink job; ending is the loop's.
            Command::Policy { .. }
            | Command::Slowdown { .. }
            | Command::Crash { .. }
            | Command::Stop
            | Command::Abort => {}
        }
    }

    /// Changes the control file of a submitted job.
    fn steer(
        &mut self,
        command: Command,
        origin: Origin,
        note: Option<String>,
        change: impl FnOnce(&mut ControlFile) -> Applied,
    ) {
        let Some(control) = self.job.control.as_mut() else {
            return self.ignored(
                command,
                origin,
                note,
                "the job's source is not pipetop's".into(),
            );
        };
        let before = control.clone();
        let applied = change(control);
        match control.write() {
            Ok(()) => self.event(origin, EventKind::Applied(applied), note),
            Err(e) => {
                *control = before;
                let why = format!("cannot write {}: {e}", control.path().display());
                self.ignored(command, origin, note, why);
            }
        }
    }

    /// Asks the adaptive scheduler for a new parallelism of one vertex.
    fn rescale(&mut self, stage: usize, count: usize, origin: Origin, note: Option<String>) {
        let command = Command::Workers { stage, count };
        let Some(vertex) = self.job.mapper.layout().stages.get(stage).cloned() else {
            return self.ignored(command, origin, note, format!("there is no stage {stage}"));
        };
        if count == 0 {
            let why = "a Flink operator runs at least one subtask".to_string();
            return self.ignored(command, origin, note, why);
        }
        let from = self.job.mapper.targets[stage]
            .or_else(|| {
                self.job
                    .mapper
                    .vertex(&self.last, stage)
                    .map(|v| v.parallelism)
            })
            .unwrap_or(0);
        let path = format!("/jobs/{}/resource-requirements", self.job.poller.jid());
        let result = self
            .job
            .poller
            .rest()
            .get::<ResourceRequirements>(&path)
            .and_then(|mut requirements| {
                requirements.insert(
                    vertex,
                    VertexRequirement {
                        parallelism: Bounds {
                            lower: 1,
                            upper: count,
                        },
                    },
                );
                let body = serde_json::to_value(&requirements).unwrap_or_default();
                self.job.poller.rest().put_json(&path, &body)
            });
        match result {
            Ok(_) => {
                self.job.mapper.targets[stage] = Some(count);
                let applied = Applied::Workers {
                    stage: self.stage_ref(stage),
                    from,
                    to: count,
                };
                self.event(origin, EventKind::Applied(applied), note);
            }
            Err(e) => self.ignored(command, origin, note, format!("Flink refused: {e}")),
        }
    }
}

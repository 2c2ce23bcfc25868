//! This process's CPU use and resident memory, read through sysinfo.

use std::time::{Duration, Instant};

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use super::snapshot::ProcessSnapshot;

/// sysinfo needs this long between CPU readings for a meaningful figure.
const MIN_REFRESH: Duration = Duration::from_millis(200);

/// The memory cap of a run that declares none: half of this machine's
/// physical memory (`None` where the platform does not say how much).
pub fn default_memory_cap() -> Option<u64> {
    let mut system = System::new().ok()?;
    system.refresh_memory();
    Some(system.total_memory() / 2).filter(|&half| half > 0)
}

/// Reads CPU % and RSS of the current process, at most every 200 ms.
pub struct ProcessProbe {
    /// `None` where the platform gives no process information.
    target: Option<(System, Pid)>,
    last_refresh: Option<Instant>,
    last: ProcessSnapshot,
}

impl Default for ProcessProbe {
    fn default() -> Self {
        Self::new()
    }
}

impl ProcessProbe {
    pub fn new() -> Self {
        Self {
            target: System::new().ok().zip(sysinfo::get_current_pid().ok()),
            last_refresh: None,
            last: ProcessSnapshot::default(),
        }
    }

    /// The latest reading; refreshed when the last one is old enough.
    pub fn read(&mut self) -> ProcessSnapshot {
        let Some((system, pid)) = self.target.as_mut() else {
            return self.last;
        };
        let pid = *pid;
        if self
            .last_refresh
            .is_some_and(|at| at.elapsed() < MIN_REFRESH)
        {
            return self.last;
        }
        self.last_refresh = Some(Instant::now());
        // Without tasks: sysinfo lists and reads every thread of the process by
        // default, which at thousands of workers was most of a tick's cost.
        let kind = ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory()
            .without_tasks();
        system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), true, kind);
        if let Some(process) = system.process(pid) {
            self.last = ProcessSnapshot {
                cpu_percent: f64::from(process.cpu_usage()),
                rss_bytes: process.memory(),
                tick_ms: 0.0,
            };
        }
        self.last
    }
}

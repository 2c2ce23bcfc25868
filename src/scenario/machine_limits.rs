//! What this machine lets a run have: the process's thread and memory
//! limits, and what is already in use, read once from `getrlimit` and
//! `/proc`. This is the only effect of the capacity check: a test builds a
//! [`MachineLimits`] by hand and asserts a refusal without depending on the
//! machine it runs on. A value the platform does not give is `None`, and
//! its check is skipped.

use std::path::Path;

/// The stack a thread gets from `std::thread::Builder` when nothing sets
/// one, which is what the engine's spawner does: 2 MiB.
pub const DEFAULT_STACK_BYTES: u64 = 2 << 20;

/// A limit and how much of it is taken already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// The limit.
    pub limit: u64,
    /// How much of it is in use before the run starts.
    pub in_use: u64,
}

impl Allowance {
    /// What is left for the run.
    pub fn room(&self) -> u64 {
        self.limit.saturating_sub(self.in_use)
    }
}

/// The limits a run is held to before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineLimits {
    /// `ulimit -u` (`RLIMIT_NPROC`): threads of this user, against the
    /// threads of every process the user runs. `None` when unlimited.
    pub user_threads: Option<Allowance>,
    /// `/proc/sys/kernel/threads-max`, against every thread on the machine.
    pub threads_max: Option<Allowance>,
    /// `/proc/sys/kernel/pid_max` (each thread takes an id), against every
    /// thread on the machine.
    pub pid_max: Option<Allowance>,
    /// A cgroup's `pids.max` (a container's thread limit), against its
    /// `pids.current`.
    pub cgroup_pids: Option<Allowance>,
    /// `/proc/sys/vm/max_map_count`, against this process's mappings: each
    /// thread's stack is two (the stack and its guard page).
    pub map_count: Option<Allowance>,
    /// `MemAvailable` of `/proc/meminfo`: what can be made resident
    /// without swapping.
    pub memory_available: Option<u64>,
    /// `ulimit -v` (`RLIMIT_AS`), against this process's address space.
    pub address_space: Option<Allowance>,
    /// The stack each new thread reserves: `RUST_MIN_STACK` when set (std
    /// reads it), else [`DEFAULT_STACK_BYTES`].
    pub stack_bytes: u64,
    /// Cores this process may run on (the engine's own work is compared
    /// with them); `None` when unknown.
    pub cores: Option<usize>,
}

impl MachineLimits {
    /// Limits that never refuse anything, with the default stack.
    pub fn unlimited() -> Self {
        Self {
            user_threads: None,
            threads_max: None,
            pid_max: None,
            cgroup_pids: None,
            map_count: None,
            memory_available: None,
            address_space: None,
            stack_bytes: DEFAULT_STACK_BYTES,
            cores: None,
        }
    }

    /// Reads this machine's limits and what is in use now.
    pub fn read() -> Self {
        let system_threads = system_threads();
        let with_system = |limit: Option<u64>| {
            limit
                .zip(system_threads)
                .map(|(limit, in_use)| Allowance { limit, in_use })
        };
        Self {
            user_threads: rlimit(libc::RLIMIT_NPROC).map(|limit| Allowance {
                limit,
                in_use: user_threads(),
            }),
            threads_max: with_system(read_number("/proc/sys/kernel/threads-max")),
            pid_max: with_system(read_number("/proc/sys/kernel/pid_max")),
            cgroup_pids: read_number("/sys/fs/cgroup/pids.max")
                .zip(read_number("/sys/fs/cgroup/pids.current"))
                .map(|(limit, in_use)| Allowance { limit, in_use }),
            map_count: read_number("/proc/sys/vm/max_map_count").map(|limit| Allowance {
                limit,
                in_use: std::fs::read_to_string("/proc/self/maps")
                    .map_or(0, |maps| maps.lines().count() as u64),
            }),
            memory_available: meminfo_kib("MemAvailable:").map(|kib| kib * 1024),
            address_space: rlimit(libc::RLIMIT_AS).map(|limit| Allowance {
                limit,
                in_use: status_kib(Path::new("/proc/self/status"), "VmSize:").unwrap_or(0) * 1024,
            }),
            stack_bytes: std::env::var("RUST_MIN_STACK")
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(DEFAULT_STACK_BYTES),
            cores: std::thread::available_parallelism().ok().map(usize::from),
        }
    }
}

/// The type of `getrlimit`'s resource argument (glibc names its own).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

/// The soft limit of `resource`, or `None` when it is unlimited or unknown.
fn rlimit(resource: Resource) -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` through a valid pointer.
    let ok = unsafe { libc::getrlimit(resource, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// A file holding one number (`max` reads as no limit).
fn read_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Every thread on the machine: the fourth field of `/proc/loadavg` is
/// `running/total` scheduling entities.
fn system_threads() -> Option<u64> {
    let loadavg = std::fs::read_to_string("/proc/loadavg").ok()?;
    let field = loadavg.split_whitespace().nth(3)?;
    field.split('/').nth(1)?.parse().ok()
}

/// A `Key: N kB` line of `/proc/meminfo`.
fn meminfo_kib(key: &str) -> Option<u64> {
    status_kib(Path::new("/proc/meminfo"), key)
}

/// A `Key: N [kB]` line of a `/proc` status-like file.
fn status_kib(path: &Path, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The threads of every process whose real user is this process's: what
/// `RLIMIT_NPROC` counts. A process that ends while it is read is skipped.
fn user_threads() -> u64 {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() }.to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut threads = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let real_uid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().next());
        if real_uid == Some(uid.as_str()) {
            threads += status
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(1);
        }
    }
    threads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_s_limits_are_read_and_leave_room_for_this_process() {
        let limits = MachineLimits::read();
        assert!(limits.stack_bytes > 0);
        // This test's own thread is among those in use.
        if let Some(t) = limits.threads_max {
            assert!(t.in_use >= 1 && t.limit > 0, "{t:?}");
        }
        if let Some(m) = limits.map_count {
            assert!(m.in_use > 0, "this process maps its own binary: {m:?}");
        }
    }
}

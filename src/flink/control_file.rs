//! The control channel to a submitted job's source: a small file the
//! source reads every 100 ms (`rate=…`, `paused=0|1`, `burst_items=N`, the
//! total of every burst asked for), which also names its owner
//! (`owner_pid=…`, this process) and carries a heartbeat (`heartbeat_ms=…`,
//! when pipetop last wrote it; it rewrites it at every look, about once a
//! second). pipetop writes it whole to a temporary name and renames it, so
//! the source never reads half a file. It works because the cluster pipetop
//! submits to runs on this machine: a remote cluster's source cannot read it
//! (then `b`, `[` `]` and space do nothing).
//!
//! A submitted job must not outlive pipetop, even one killed with SIGKILL:
//! its source ends, and the job finishes, as soon as the owner's process is
//! gone (checked by PID at every read), or, where the source cannot see
//! the owner's PID (another PID namespace), once the heartbeat is older
//! than [`HEARTBEAT_TIMEOUT`].

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::model::Rate;

/// With no heartbeat for this long, a source that cannot see pipetop's
/// process ends (`--heartbeat-timeout-ms` of the job).
pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the source is told.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlFile {
    path: PathBuf,
    /// The rate the source is set to.
    pub rate: Rate,
    /// True while paused.
    pub paused: bool,
    /// Items of every burst asked for so far.
    pub burst_items: u64,
    /// The process the job belongs to: this one.
    pub owner_pid: u32,
    /// When the file was last written, in ms since the epoch.
    pub heartbeat_ms: u64,
}

impl ControlFile {
    /// Writes the first settings at `path`.
    pub fn create(path: PathBuf, rate: Rate) -> std::io::Result<Self> {
        let mut file = Self {
            path,
            rate,
            paused: false,
            burst_items: 0,
            owner_pid: std::process::id(),
            heartbeat_ms: 0,
        };
        file.write()?;
        Ok(file)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the current settings, atomically, with a fresh heartbeat.
    pub fn write(&mut self) -> std::io::Result<()> {
        self.heartbeat_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let rate = match self.rate {
            Rate::Max => "max".to_string(),
            Rate::PerSecond(r) => format!("{r}"),
        };
        let text = format!(
            "rate={rate}\npaused={}\nburst_items={}\nowner_pid={}\nheartbeat_ms={}\n",
            u8::from(self.paused),
            self.burst_items,
            self.owner_pid,
            self.heartbeat_ms
        );
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_holds_every_setting_and_bursts_add_up() {
        let dir = std::env::temp_dir().join(format!("pipetop-control-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut file = ControlFile::create(dir.join("control"), Rate::PerSecond(250.0)).unwrap();
        file.burst_items += 100;
        file.burst_items += 50;
        file.paused = true;
        file.write().unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        let beat = file.heartbeat_ms;
        assert!(beat > 0);
        assert_eq!(
            text,
            format!(
                "rate=250\npaused=1\nburst_items=150\nowner_pid={}\nheartbeat_ms={beat}\n",
                std::process::id()
            )
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

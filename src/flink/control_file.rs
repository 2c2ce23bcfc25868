//! The control channel to a submitted job's source: a small file the
//! source reads every 100 ms (`rate=…`, `paused=0|1`, `burst_items=N`, the
//! total of every burst asked for). pipetop writes it whole to a temporary
//! name and renames it, so the source never reads half a file. It works
//! because the cluster pipetop submits to runs on this machine: a remote
//! cluster's source cannot read it (then `b`, `[` `]` and space do nothing).

use std::path::{Path, PathBuf};

use crate::model::Rate;

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
}

impl ControlFile {
    /// Writes the first settings at `path`.
    pub fn create(path: PathBuf, rate: Rate) -> std::io::Result<Self> {
        let file = Self {
            path,
            rate,
            paused: false,
            burst_items: 0,
        };
        file.write()?;
        Ok(file)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the current settings, atomically.
    pub fn write(&self) -> std::io::Result<()> {
        let rate = match self.rate {
            Rate::Max => "max".to_string(),
            Rate::PerSecond(r) => format!("{r}"),
        };
        let text = format!(
            "rate={rate}\npaused={}\nburst_items={}\n",
            u8::from(self.paused),
            self.burst_items
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
        assert_eq!(text, "rate=250\npaused=1\nburst_items=150\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

//! A file a run must leave behind (`--report`, `--record`, `--series`),
//! claimed before the run starts: a path that cannot be written is bad
//! usage, found before minutes of running whose results would then be lost.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::io::Write;
use std::path::{Path, PathBuf};

/// An output path that cannot be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the {what} {}: {reason}", path.display())]
pub struct OutputError {
    /// What the file is for ("report", "recording", "series").
    pub what: &'static str,
    /// The path the options gave.
    pub path: PathBuf,
    /// What went wrong and how to fix it.
    pub reason: String,
}

/// Where a path points, for telling two paths of one file apart from two
/// files: the file itself if it exists, else its directory's real path and
/// its name.
fn identity(path: &Path) -> Option<(u64, u64, PathBuf)> {
    use std::os::unix::fs::MetadataExt;
    if let Ok(meta) = std::fs::metadata(path) {
        return Some((meta.dev(), meta.ino(), PathBuf::new()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let real = dir.canonicalize().ok()?.join(path.file_name()?);
    Some((0, 0, real))
}

/// Refuses outputs that would write over each other or over `input` (the
/// scenario file the run reads): one path given twice, under whatever name.
pub fn refuse_collisions(
    outputs: &[(&'static str, &Path)],
    input: Option<&Path>,
) -> Result<(), OutputError> {
    let named: Vec<_> = outputs
        .iter()
        .map(|&(what, path)| (what, path, identity(path)))
        .collect();
    for (i, (what, path, id)) in named.iter().enumerate() {
        let Some(id) = id else { continue };
        let clash = named[..i]
            .iter()
            .find(|(_, _, other)| other.as_ref() == Some(id))
            .map(|(other, _, _)| format!("it is also the {other}: give each output its own path"))
            .or_else(|| {
                input
                    .filter(|input| identity(input).as_ref() == Some(id))
                    .map(|_| "it is the scenario file this run reads: writing it would overwrite the scenario; choose another path".to_string())
            });
        if let Some(reason) = clash {
            return Err(OutputError {
                what,
                path: path.to_path_buf(),
                reason,
            });
        }
    }
    Ok(())
}

/// An output path that was found writable before the run. Claiming it
/// leaves no trace: an existing file keeps its contents and a missing one is
/// not left behind (empty) if the run is killed before it writes.
#[derive(Debug)]
pub struct OutputFile {
    what: &'static str,
    path: PathBuf,
}

impl OutputFile {
    /// Checks that `path` can be written (opening an existing file for
    /// writing, or creating and removing a missing one), or says why not.
    pub fn claim(what: &'static str, path: &Path) -> Result<Self, OutputError> {
        let refused = |e: std::io::Error| OutputError {
            what,
            path: path.to_path_buf(),
            reason: explain(&e),
        };
        if path.exists() {
            // Non-blocking: a FIFO with no reader refuses at once (ENXIO)
            // instead of blocking the run before it starts.
            use std::os::unix::fs::OpenOptionsExt;
            OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
                .map_err(refused)?;
        } else {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(refused)?;
            let _ = std::fs::remove_file(path);
        }
        Ok(Self {
            what,
            path: path.to_path_buf(),
        })
    }

    /// The file, created or emptied, for writing as the run goes.
    pub fn into_empty_file(self) -> anyhow::Result<File> {
        File::create(&self.path).map_err(|e| self.failed(&e))
    }

    /// Replaces the file with one holding `bytes`, whole or not at all: the
    /// bytes go to a temporary file beside it, synced, which then takes its
    /// name. A kill or a full disk midway leaves the old file as it was.
    pub fn replace_with(self, bytes: &[u8]) -> anyhow::Result<()> {
        // A FIFO or a device (`/dev/stdout`) is written to, not replaced.
        if std::fs::metadata(&self.path).is_ok_and(|m| !m.is_file()) {
            return std::fs::write(&self.path, bytes).map_err(|e| self.failed(&e));
        }
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let temporary = self
            .path
            .with_file_name(format!(".{name}.pipetop-{}.tmp", std::process::id()));
        let written = File::create(&temporary)
            .and_then(|mut file| {
                file.write_all(bytes)?;
                file.sync_all()
            })
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(|e| self.failed(&e))
    }

    /// A write that failed during or after the run: a runtime failure
    /// (a full disk, say), not an [`OutputError`].
    fn failed(&self, error: &std::io::Error) -> anyhow::Error {
        anyhow::anyhow!(
            "cannot write the {} {}: {error}",
            self.what,
            self.path.display()
        )
    }
}

/// The error, and what to do about it.
fn explain(error: &std::io::Error) -> String {
    let hint = match error.kind() {
        ErrorKind::NotFound => "; its directory does not exist: create it, or choose another path",
        ErrorKind::PermissionDenied => "; no permission to write there: choose another path",
        ErrorKind::IsADirectory => "; that is a directory: give a file name",
        _ if error.raw_os_error() == Some(libc::ENXIO) => {
            "; it is a FIFO with no reader: start the reader first, or choose a file"
        }
        _ => "",
    };
    format!("{error}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_directory_is_found_when_claiming() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-dir").join("r.json");
        let error = OutputFile::claim("report", &path).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("cannot write the report "), "{message}");
        assert!(
            message.contains("its directory does not exist"),
            "{message}"
        );
    }

    #[test]
    fn claiming_keeps_the_old_contents_until_the_new_ones_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "the previous report, longer than the next").unwrap();
        let claimed = OutputFile::claim("report", &path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "the previous report, longer than the next"
        );
        claimed.replace_with(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn a_file_is_replaced_whole_by_a_new_one_not_rewritten_in_place() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "the previous report").unwrap();
        let before = std::fs::metadata(&path).unwrap().ino();
        let file = OutputFile::claim("report", &path).unwrap();
        file.replace_with(b"the new report").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "the new report");
        // A new file took the name (rename), so no reader ever saw it half written.
        assert_ne!(std::fs::metadata(&path).unwrap().ino(), before);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn claiming_a_missing_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let claimed = OutputFile::claim("report", &path).unwrap();
        assert!(!path.exists(), "a run killed now leaves no empty report");
        claimed.replace_with(b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
    }
}

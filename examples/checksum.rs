//! File checksums: walk a directory, read each file (I/O), hash its bytes
//! with hand-written CRC-32 and FNV-1a over several passes (CPU), and report
//! the totals, a digest of the whole tree and the largest files.
//!
//! ```sh
//! cargo run --release --example checksum                     # the dashboard
//! cargo run --release --example checksum -- --headless       # progress on stderr, report on stdout
//! cargo run --release --example checksum -- --headless src   # any directory
//! ```
//! With no directory it generates 400 files of 1 KiB to 512 KiB (about
//! 40 MB, seeded) under the system's temp directory, once, and reads them at
//! 100 files/s: about four seconds. Give `--rate max` to go flat out and see
//! which of read and hash is the bottleneck.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::Parser;
use pipetop::cli::RunOutput;
use pipetop::engine::{IterSource, Pipeline, Rate, StageConfig, WorkError};
use pipetop::session::Session;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Checksum every file under a directory (real I/O and CPU), watched live by pipetop.
#[derive(Parser)]
struct Args {
    /// The directory to checksum (a generated one if not given).
    dir: Option<PathBuf>,
    /// Hash passes over each file's bytes.
    #[arg(long, default_value_t = 4)]
    passes: u32,
    /// Files per second, or "max".
    #[arg(long, default_value = "100")]
    rate: Rate,
    /// --headless, --duration, --report, --prometheus and the rest of
    /// `pipetop run`'s output flags.
    #[command(flatten)]
    output: RunOutput,
}

/// A file's bytes, as read.
struct FileData {
    path: PathBuf,
    bytes: Vec<u8>,
}

/// What the hash stage found.
#[derive(Debug, Clone)]
struct Digest {
    path: PathBuf,
    len: u64,
    crc32: u32,
    fnv64: u64,
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), table-driven.
struct Crc32 {
    table: [u32; 256],
}

impl Crc32 {
    fn new() -> Self {
        let mut table = [0u32; 256];
        for (n, entry) in table.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *entry = c;
        }
        Self { table }
    }

    /// Continues a CRC over `bytes` (start with 0).
    fn update(&self, crc: u32, bytes: &[u8]) -> u32 {
        let mut c = !crc;
        for &b in bytes {
            c = self.table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        !c
    }
}

/// FNV-1a, 64 bits, continuing from `hash` (start with the offset basis).
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn read(path: &PathBuf) -> Result<FileData, WorkError> {
    let bytes = fs::read(path).map_err(|e| WorkError::new(format!("{}: {e}", path.display())))?;
    Ok(FileData {
        path: path.clone(),
        bytes,
    })
}

/// Every pass folds the previous pass's result in, so none can be skipped.
fn hash(file: &FileData, crc: &Crc32, passes: u32) -> Digest {
    let (mut crc32, mut fnv64) = (0u32, FNV_OFFSET);
    for pass in 0..passes.max(1) {
        let seed = (u64::from(pass) << 32 | u64::from(crc32)).to_le_bytes();
        crc32 = crc.update(crc.update(0, &seed), &file.bytes);
        fnv64 = fnv1a(fnv1a(fnv64, &seed), &file.bytes);
    }
    Digest {
        path: file.path.clone(),
        len: file.bytes.len() as u64,
        crc32,
        fnv64,
    }
}

/// Every regular file under `dir`, sorted, so runs see the same order.
fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries =
            fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                dirs.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Makes (once) a tree of seeded files under the temp directory.
fn generated_tree() -> anyhow::Result<PathBuf> {
    const FILES: usize = 400;
    let dir = std::env::temp_dir().join("pipetop-checksum-v1");
    // Beside the tree, not in it: it is not one of the files to checksum.
    let done = dir.with_extension("complete");
    if done.exists() {
        return Ok(dir);
    }
    let mut rng = StdRng::seed_from_u64(11);
    for n in 0..FILES {
        let sub = dir.join(format!("batch-{:02}", n % 16));
        fs::create_dir_all(&sub)?;
        // Log-uniform sizes: many small files, a few large ones.
        let size = (1024.0 * 512f64.powf(rng.random_range(0.0..1.0))) as usize;
        let mut bytes = vec![0u8; size];
        rng.fill(&mut bytes[..]);
        // Written aside and renamed: a concurrent run never reads half a file.
        let path = sub.join(format!("file-{n:04}.bin"));
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        fs::write(&tmp, bytes)?;
        fs::rename(&tmp, &path)?;
    }
    fs::write(&done, "")?;
    Ok(dir)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = match args.dir {
        Some(dir) => dir,
        None => generated_tree()?,
    };
    let files = files_under(&dir)?;
    eprintln!("checksumming {} files under {}", files.len(), dir.display());

    let crc = Arc::new(Crc32::new());
    let passes = args.passes;
    let digests: Arc<Mutex<Vec<Digest>>> = Arc::default();
    let sink_digests = digests.clone();
    let pipeline = Pipeline::from_source(IterSource::new(files.into_iter()))
        .rate(args.rate)
        .stage(StageConfig::new("read").workers(2).queue(32), read)
        .stage(
            StageConfig::new("hash").workers(2).queue(16),
            move |file: &FileData| Ok(hash(file, &crc, passes)),
        )
        .sink(move |digest: Digest| {
            sink_digests
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(digest);
        });

    let session = Session::new("checksum", pipeline);
    let options = args.output.session_options();
    let report = pipetop::launch::run(session, &options, args.output.headless)?;

    let mut digests = digests.lock().unwrap_or_else(|p| p.into_inner());
    digests.sort_by(|a, b| a.path.cmp(&b.path));
    // The tree's digest: FNV-1a over every (relative path, crc, fnv) in order.
    let tree = digests.iter().fold(FNV_OFFSET, |h, d| {
        let rel = d.path.strip_prefix(&dir).unwrap_or(&d.path);
        let h = fnv1a(h, rel.to_string_lossy().as_bytes());
        fnv1a(fnv1a(h, &d.crc32.to_le_bytes()), &d.fnv64.to_le_bytes())
    });
    let bytes: u64 = digests.iter().map(|d| d.len).sum();
    println!(
        "\nchecksum: {} files, {:.1} MB, {} passes; {} unreadable; tree digest {tree:016x}",
        digests.len(),
        bytes as f64 / 1e6,
        passes,
        report.totals.dead_lettered
    );
    digests.sort_by(|a, b| b.len.cmp(&a.len).then(a.path.cmp(&b.path)));
    println!(
        "{:>10}  {:>8}  {:>16}  largest files",
        "bytes", "crc32", "fnv1a-64"
    );
    for d in digests.iter().take(5) {
        let rel = d.path.strip_prefix(&dir).unwrap_or(&d.path);
        println!(
            "{:>10}  {:08x}  {:016x}  {}",
            d.len,
            d.crc32,
            d.fnv64,
            rel.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_and_fnv1a_match_their_check_values() {
        assert_eq!(Crc32::new().update(0, b"123456789"), 0xCBF4_3926);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}

//! Resuming from a checkpoint: process a file's lines, persist the
//! checkpoint watermark (every line below it is done) at every tick, and on
//! restart skip straight to it. Kill it part way and run it again: no line is
//! skipped, and only lines that were in flight are processed twice.
//!
//! Delivery is **at least once**. The watermark is saved once a tick, so a
//! kill re-emits what finished after the last save: the lines in the queues
//! and in workers' hands, and up to a tick and a half of lines at the rate
//! (about 1 000 at 4 000 lines/s and the default 250 ms tick). Each output
//! line starts with its line number, so a reader can drop the repeats.
//!
//! A line that cannot be written (a full disk, `--output /dev/full`) stops
//! the run with an error and a non-zero exit, and the checkpoint is not
//! saved again: it never runs ahead of what was written, so the next run
//! starts at or before the first line that was lost.
//!
//! ```sh
//! cargo run --release --example resume -- --headless
//! ```
//! With no paths given it makes a 20 000-line input under the system's temp
//! directory and keeps its output and checkpoint beside it.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::Parser;
use pipetop::cli::RunOutput;
use pipetop::engine::{Arrivals, IterSource, Pipeline, Rate, StageConfig, WorkError};
use pipetop::session::Session;

/// Process a file's lines; killed and restarted, resume at the checkpoint watermark.
#[derive(Parser)]
struct Args {
    /// Lines to process (made, with 20 000 lines, if missing).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Where processed lines are appended: "<line number>\t<result>".
    #[arg(long)]
    output: Option<PathBuf>,
    /// Where the watermark is kept between runs.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Lines per second.
    #[arg(long, default_value_t = 4_000.0)]
    rate: f64,
    /// --headless, --duration, --report, --prometheus and the rest of
    /// `pipetop run`'s output flags.
    #[command(flatten)]
    run: RunOutput,
}

/// One parsed line.
struct Record {
    line: u64,
    key: String,
    value: u64,
}

fn parse(&(line, ref text): &(u64, String)) -> Result<Record, WorkError> {
    let (key, value) = text
        .split_once(',')
        .ok_or_else(|| WorkError::new(format!("line {line}: no comma")))?;
    Ok(Record {
        line,
        key: key.to_string(),
        value: value.trim().parse()?,
    })
}

/// Some real work per record: a running FNV-1a hash of key and value.
fn digest(record: &Record) -> Result<(u64, u64), WorkError> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for _ in 0..64 {
        for byte in record.key.bytes().chain(record.value.to_le_bytes()) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok((record.line, hash))
}

fn read_checkpoint(path: &Path) -> anyhow::Result<u64> {
    match fs::read_to_string(path) {
        Ok(text) => text
            .trim()
            .parse()
            .with_context(|| format!("{}: not a line number", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes the watermark atomically: a crash leaves the old or the new one.
fn write_checkpoint(path: &Path, watermark: u64) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, format!("{watermark}\n"))?;
    fs::rename(&tmp, path)?;
    Ok(())
}

fn make_input(path: &Path, lines: u64) -> anyhow::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    for n in 0..lines {
        writeln!(out, "key{},{}", n % 97, n * 7)?;
    }
    out.flush()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = std::env::temp_dir().join("pipetop-resume");
    fs::create_dir_all(&dir)?;
    let input = args.input.unwrap_or_else(|| dir.join("input.txt"));
    let output = args.output.unwrap_or_else(|| dir.join("output.tsv"));
    let checkpoint = args.checkpoint.unwrap_or_else(|| dir.join("checkpoint"));
    if !input.exists() {
        make_input(&input, 20_000)?;
    }

    let start = read_checkpoint(&checkpoint)?;
    eprintln!("resuming at line {start} of {}", input.display());
    let lines = BufReader::new(File::open(&input)?)
        .lines()
        .map_while(Result::ok)
        .enumerate()
        .map(|(n, text)| (n as u64, text))
        .skip(start as usize);
    let out = Arc::new(Mutex::new(
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&output)
            .with_context(|| format!("cannot open {}", output.display()))?,
    ));
    // The first write that failed. A sink cannot fail an item, so the
    // observer below reads this before it saves the watermark.
    let lost: Arc<Mutex<Option<String>>> = Arc::default();
    let lost_in_sink = lost.clone();
    let output_name = output.display().to_string();
    let pipeline = Pipeline::from_source(IterSource::starting_at(lines, start))
        .rate(Rate::PerSecond(args.rate))
        .arrivals(Arrivals::Uniform)
        .stage(StageConfig::new("parse").workers(2).queue(64), parse)
        .stage(StageConfig::new("digest").workers(2).queue(64), digest)
        .sink(move |(line, hash): (u64, u64)| {
            // Written through before the item counts as done; a failed
            // write is kept before it does, so the snapshot whose
            // watermark covers this line finds it.
            let mut lost = lost_in_sink.lock().unwrap_or_else(|e| e.into_inner());
            if lost.is_some() {
                return; // After a lost line, nothing more: no holes.
            }
            let record = format!("{line}\t{hash:016x}\n");
            let mut file = out.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = file.write_all(record.as_bytes()) {
                *lost = Some(format!("cannot write line {line} to {output_name}: {e}"));
            }
        });
    let session = Session::new("resume", pipeline).on_snapshot(move |snapshot| {
        if let Some(why) = lost.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            // The watermark may cover the lost line: it is not saved.
            anyhow::bail!("{why}; the checkpoint stays where the output is whole");
        }
        write_checkpoint(&checkpoint, snapshot.checkpoint)
    });
    let options = args.run.session_options();
    let report = pipetop::launch::run(session, &options, args.run.headless)?;
    eprintln!(
        "done: {} lines processed this run, output in {}",
        report.totals.completed,
        output.display()
    );
    Ok(())
}

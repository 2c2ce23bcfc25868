//! Log analytics: parse access-log lines into records, enrich each with its
//! user's account from a lookup table, and count requests per region and
//! route in the sink; the busiest keys are printed at the end.
//!
//! ```sh
//! cargo run --release --example logs                 # the dashboard
//! cargo run --release --example logs -- --headless   # progress on stderr, summary on stdout
//! cargo run --release --example logs -- --input access.log --rate max
//! ```
//! With no `--input` it generates 60 000 realistic lines (seeded, so every
//! run sees the same traffic; about one in a thousand is malformed and ends
//! as a dead letter) and feeds them at 10 000 lines/s: about six seconds.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::Parser;
use pipetop::cli::RunOutput;
use pipetop::engine::{Arrivals, IterSource, Pipeline, Rate, StageConfig, WorkError};
use pipetop::session::Session;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Parse, enrich and aggregate access-log lines, watched live by pipetop.
#[derive(Parser)]
struct Args {
    /// An access log in this example's format (generated if not given).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Lines to generate when there is no --input.
    #[arg(long, default_value_t = 60_000)]
    lines: u64,
    /// Lines per second, or "max".
    #[arg(long, default_value = "10000")]
    rate: Rate,
    /// Keys to print at the end.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// --headless, --duration, --report, --prometheus and the rest of
    /// `pipetop run`'s output flags.
    #[command(flatten)]
    output: RunOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Level {
    Info,
    Warn,
    Error,
}

/// One parsed line:
/// `2026-11-25T13:50:31.123Z INFO user=1234 GET /api/orders/17 200 12ms 5123B`.
#[derive(Debug)]
struct Request {
    at_ms: u64,
    level: Level,
    user: u32,
    method: String,
    path: String,
    status: u16,
    latency_ms: u32,
    bytes: u64,
}

/// What the lookup table knows about a user.
#[derive(Debug, Clone)]
struct Account {
    region: &'static str,
    plan: &'static str,
}

/// A request with its account and its route (the path with ids replaced).
#[derive(Debug)]
struct Enriched {
    region: &'static str,
    plan: &'static str,
    route: String,
    level: Level,
    status: u16,
    latency_ms: u32,
    bytes: u64,
    at_ms: u64,
    method: String,
}

/// Counts per key in the sink.
#[derive(Debug, Default, Clone)]
struct Tally {
    requests: u64,
    errors: u64,
    bytes: u64,
    latency_ms: u64,
    paid: u64,
    last_ms: u64,
}

const REGIONS: &[&str] = &["eu-west", "eu-central", "us-east", "us-west", "ap-south"];
const PLANS: &[&str] = &["free", "team", "business"];
const USERS: u32 = 5_000;

fn accounts() -> HashMap<u32, Account> {
    (0..USERS)
        .map(|user| {
            // A fixed, uneven spread: most users in the first regions.
            let h = user.wrapping_mul(2_654_435_761);
            let r = ((h >> 7) % 100) as usize;
            let region = REGIONS[r * r * REGIONS.len() / 10_000];
            let plan = PLANS[((h >> 13) % 10).min(9) as usize / 4];
            (user, Account { region, plan })
        })
        .collect()
}

/// Seeded synthetic access-log lines; routes and users are Zipf-like skewed.
fn synthetic_lines(count: u64) -> impl Iterator<Item = String> + Send {
    const ROUTES: &[(&str, &str)] = &[
        ("GET", "/api/orders/{}"),
        ("GET", "/api/products/{}"),
        ("GET", "/api/search"),
        ("POST", "/api/orders"),
        ("GET", "/api/users/{}/cart"),
        ("PUT", "/api/users/{}/cart/{}"),
        ("GET", "/static/app.js"),
        ("GET", "/health"),
        ("DELETE", "/api/orders/{}"),
    ];
    let mut rng = StdRng::seed_from_u64(7);
    let start_ms: u64 = 1_795_600_000_000;
    (0..count).map(move |n| {
        if rng.random_range(0..1000) == 0 {
            return format!("garbled line {n} ### truncated");
        }
        let skew = |rng: &mut StdRng, n: usize| {
            let r: f64 = rng.random_range(0.0..1.0);
            ((r * r * r) * n as f64) as usize
        };
        let (method, template) = ROUTES[skew(&mut rng, ROUTES.len())];
        let mut path = String::new();
        for (i, part) in template.split("{}").enumerate() {
            if i > 0 {
                path.push_str(&rng.random_range(1..50_000u32).to_string());
            }
            path.push_str(part);
        }
        let user = skew(&mut rng, USERS as usize) as u32;
        let status = match rng.random_range(0..100) {
            0..=1 => 500,
            2..=5 => 404,
            6 => 429,
            _ if method == "POST" => 201,
            _ => 200,
        };
        let level = match status {
            500 => "ERROR",
            404 | 429 => "WARN",
            _ => "INFO",
        };
        let latency: u32 = 2 + skew(&mut rng, 800) as u32;
        let bytes: u64 = rng.random_range(120..64_000);
        let at = start_ms + n * 3 + rng.random_range(0..3);
        format!(
            "{} {level} user={user} {method} {path} {status} {latency}ms {bytes}B",
            timestamp(at)
        )
    })
}

/// `ms` since the epoch as RFC 3339 UTC with milliseconds.
fn timestamp(ms: u64) -> String {
    let (days, rem) = ((ms / 86_400_000) as i64, ms % 86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// Howard Hinnant's days-to-date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Inverse of [`timestamp`]: checks every field.
fn parse_timestamp(text: &str) -> Result<u64, WorkError> {
    let bad = || WorkError::new(format!("bad timestamp {text:?}"));
    let b = text.as_bytes();
    if b.len() != 24 || b[4] != b'-' || b[10] != b'T' || b[23] != b'Z' {
        return Err(bad());
    }
    let num = |range: std::ops::Range<usize>| -> Result<u64, WorkError> {
        text.get(range).and_then(|t| t.parse().ok()).ok_or_else(bad)
    };
    let (y, m, d) = (num(0..4)? as i64, num(5..7)?, num(8..10)?);
    // Days from civil (inverse of civil_from_days).
    let y = y - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = num(11..13)? * 3_600_000 + num(14..16)? * 60_000 + num(17..19)? * 1000 + num(20..23)?;
    Ok(days as u64 * 86_400_000 + ms)
}

fn parse(line: &String) -> Result<Request, WorkError> {
    let fields: Vec<&str> = line.split_ascii_whitespace().collect();
    let [at, level, user, method, path, status, latency, bytes] = fields[..] else {
        return Err(WorkError::new(format!(
            "expected 8 fields, got {}: {line:?}",
            fields.len()
        )));
    };
    let level = match level {
        "INFO" => Level::Info,
        "WARN" => Level::Warn,
        "ERROR" => Level::Error,
        other => return Err(WorkError::new(format!("unknown level {other:?}"))),
    };
    let field = |text: &str, prefix: &str, suffix: &str| -> Result<u64, WorkError> {
        text.strip_prefix(prefix)
            .and_then(|t| t.strip_suffix(suffix))
            .ok_or_else(|| WorkError::new(format!("expected {prefix}N{suffix}, got {text:?}")))?
            .parse()
            .map_err(WorkError::from)
    };
    Ok(Request {
        at_ms: parse_timestamp(at)?,
        level,
        user: field(user, "user=", "")? as u32,
        method: method.to_string(),
        path: path.to_string(),
        status: status.parse()?,
        latency_ms: field(latency, "", "ms")? as u32,
        bytes: field(bytes, "", "B")?,
    })
}

/// The route of a path: numeric segments become `:id`.
fn route(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').skip(1) {
        out.push('/');
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(":id");
        } else {
            out.push_str(segment);
        }
    }
    out
}

/// The longest line read from `--input`: an access log's lines are far
/// shorter, and a file with no newlines (`/dev/zero`) must not be read into
/// memory whole.
const MAX_LINE_BYTES: u64 = 64 * 1024;

/// The lines of `reader`, each at most [`MAX_LINE_BYTES`]; reading stops,
/// saying so, at a longer line or a read error.
fn bounded_lines(
    mut reader: impl BufRead + Send + 'static,
    path: PathBuf,
) -> impl Iterator<Item = String> + Send {
    let mut number = 0u64;
    std::iter::from_fn(move || {
        let mut line = Vec::new();
        number += 1;
        let read = (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut line);
        match read {
            Ok(0) => None,
            Ok(_) if line.len() as u64 > MAX_LINE_BYTES => {
                eprintln!(
                    "logs: {}: line {number} is longer than {} KiB: not a log file? Stopping there.",
                    path.display(),
                    MAX_LINE_BYTES / 1024
                );
                None
            }
            Ok(_) => {
                while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    line.pop();
                }
                Some(String::from_utf8_lossy(&line).into_owned())
            }
            Err(e) => {
                eprintln!("logs: {}: {e}; stopping there", path.display());
                None
            }
        }
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let lines: Box<dyn Iterator<Item = String> + Send> = match &args.input {
        Some(path) => {
            if path.is_dir() {
                anyhow::bail!("{} is a directory: give a log file", path.display());
            }
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            Box::new(bounded_lines(BufReader::new(file), path.clone()))
        }
        None => Box::new(synthetic_lines(args.lines)),
    };

    let accounts = Arc::new(accounts());
    let unknown = Account {
        region: "unknown",
        plan: "free",
    };
    let enrich = move |request: &Request| -> Result<Enriched, WorkError> {
        let account = accounts.get(&request.user).unwrap_or(&unknown);
        Ok(Enriched {
            region: account.region,
            plan: account.plan,
            route: route(&request.path),
            level: request.level,
            status: request.status,
            latency_ms: request.latency_ms,
            bytes: request.bytes,
            at_ms: request.at_ms,
            method: request.method.clone(),
        })
    };
    let tallies: Arc<Mutex<HashMap<(&'static str, String), Tally>>> = Arc::default();
    let sink_tallies = tallies.clone();
    let pipeline = Pipeline::from_source(IterSource::new(lines))
        .rate(args.rate)
        .arrivals(Arrivals::Poisson)
        .stage(
            // A malformed line will not parse on a second try: no retries.
            StageConfig::new("parse")
                .workers(2)
                .queue(256)
                .max_attempts(1),
            parse,
        )
        .stage(StageConfig::new("enrich").workers(2).queue(256), enrich)
        .sink(move |e: Enriched| {
            let key = (e.region, format!("{} {}", e.method, e.route));
            let mut tallies = sink_tallies.lock().unwrap_or_else(|p| p.into_inner());
            let tally = tallies.entry(key).or_default();
            tally.requests += 1;
            tally.errors += u64::from(e.status >= 500 || e.level == Level::Error);
            tally.bytes += e.bytes;
            tally.latency_ms += u64::from(e.latency_ms);
            tally.paid += u64::from(e.plan != "free");
            tally.last_ms = tally.last_ms.max(e.at_ms);
        });

    let session = Session::new("logs", pipeline);
    let options = args.output.session_options();
    let report = pipetop::launch::run(session, &options, args.output.headless)?;

    let tallies = tallies.lock().unwrap_or_else(|p| p.into_inner());
    let mut top: Vec<_> = tallies.iter().collect();
    top.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then(a.0.cmp(b.0)));
    println!(
        "\ntop {} of {} keys (region, route) by requests; {} lines parsed, {} malformed:",
        args.top.min(top.len()),
        top.len(),
        report.totals.completed,
        report.totals.dead_lettered
    );
    println!(
        "{:<11} {:<28} {:>9} {:>7} {:>9} {:>6} {:>9}",
        "region", "route", "requests", "errors", "mean ms", "paid", "MB"
    );
    for ((region, route), t) in top.into_iter().take(args.top) {
        println!(
            "{region:<11} {route:<28} {:>9} {:>7} {:>9.1} {:>5.0}% {:>9.1}",
            t.requests,
            t.errors,
            t.latency_ms as f64 / t.requests as f64,
            100.0 * t.paid as f64 / t.requests as f64,
            t.bytes as f64 / 1e6
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_lines_parse_back() {
        let line = synthetic_lines(3).nth(1).unwrap();
        let request = parse(&line).unwrap();
        assert_eq!(timestamp(request.at_ms), line[..24]);
        assert_eq!(route("/api/users/12/cart/7"), "/api/users/:id/cart/:id");
    }
}

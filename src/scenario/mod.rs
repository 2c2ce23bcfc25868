//! Scenarios: TOML files (or built-in demos) parsed and validated into a
//! [`PipelineSpec`] plus a timeline of [`TimedCommand`]s. Every error names
//! `origin:line:col` and the field, says what was wrong and how to fix it.

pub mod capacity;
pub mod demos;
mod error;
mod fields;
pub mod machine_limits;
mod memory;
mod overrides;
mod profile;
mod service;
mod source;
pub mod spec_field;
mod stage;
mod suggest;
mod summary;
mod timeline;

use crate::format;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use toml::de::DeTable;

use crate::model::{PipelineSpec, TimedCommand};

pub use error::{Position, ScenarioError};
pub use memory::{CapError, MAX_MEMORY_CAP, MIN_MEMORY_CAP, MemoryCap, parse_memory_cap};
pub use overrides::{OverrideError, apply_overrides};
pub use profile::MAX_COMMANDS;
pub use source::default_burst;
pub use summary::check_summary;

use fields::{Doc, Table};

pub use crate::model::DEFAULT_SEED;

/// A parsed, validated scenario: a pipeline and what happens to it when.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The `name` field, or the file name without `.toml` when it has none.
    pub name: String,
    /// One line on what the scenario shows; empty when not given.
    pub description: String,
    /// What to watch and what to try, shown by `l`; empty when not given.
    pub lesson: String,
    /// When to stop the source and drain; `None` runs until stopped.
    pub duration: Option<Duration>,
    /// The pipeline; the scenario's seed is `pipeline.seed`.
    pub pipeline: PipelineSpec,
    /// Commands sorted by `at`, rate profiles expanded into their steps.
    pub timeline: Vec<TimedCommand>,
    /// What the process's RSS is held to: the default (half the machine's
    /// memory), a size, or no cap (`memory_cap = "none"`).
    pub memory_cap: MemoryCap,
    /// Cores the `spin` stages share in a virtual-time run (`cores`);
    /// `None`: the machine's count. The real engine uses the real cores.
    pub cores: Option<usize>,
    /// The path as given, or `demos/<name>.toml` for a built-in demo.
    pub origin: String,
}

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "duration",
    "lesson",
    "memory_cap",
    "cores",
    "source",
    "stage",
    "timeline",
];

const MINIMAL: &str = "a scenario needs at least `[source]` with a `rate` and one `[[stage]]` with a `name` and a `service`; run `pipetop demos` for examples";

/// Loads a scenario from a path (anything ending in `.toml`, or that exists)
/// or else from a built-in demo name.
pub fn load(arg: &str) -> Result<Scenario, ScenarioError> {
    let path = Path::new(arg);
    if arg.ends_with(".toml") || path.exists() {
        return load_path(path);
    }
    if let Some(demo) = demos::find(arg) {
        return parse(demo.source, &demo.origin());
    }
    let names: Vec<&str> = demos::all().iter().map(|d| d.name).collect();
    let list = names.join(", ");
    let help = match suggest::did_you_mean(arg, names.iter().copied()) {
        Some(d) => format!("{d} (built-in demos: {list})"),
        None => format!("give a path to a .toml file, or one of the built-in demos: {list}"),
    };
    Err(ScenarioError::file(arg, "is neither a scenario file nor a built-in demo").with_help(help))
}

/// The most cores a scenario may declare for its `spin` stages.
pub const MAX_CORES: usize = 1024;

/// The largest scenario file read: far beyond any hand-written or recorded
/// scenario, and small enough that `check /dev/zero` ends at once.
pub const MAX_SCENARIO_BYTES: u64 = 1024 * 1024;

/// Reads at most [`MAX_SCENARIO_BYTES`] + 1 bytes of `path`.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads and parses a scenario file.
pub fn load_path(path: &Path) -> Result<Scenario, ScenarioError> {
    let origin = path.display().to_string();
    let bytes = read_bounded(path).map_err(|e| {
        let err = ScenarioError::file(&origin, format!("cannot be read: {e}"));
        if e.kind() != std::io::ErrorKind::NotFound {
            return err;
        }
        let demo = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(demos::find);
        err.with_help(match demo {
            Some(d) => format!(
                "`{0}` is a built-in demo: give its name alone, as in `pipetop run {0}`",
                d.name
            ),
            None => {
                "check the path, or give the name of a built-in demo (`pipetop demos` lists them)"
                    .to_owned()
            }
        })
    })?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::file(
            &origin,
            format!("is larger than {} KiB", MAX_SCENARIO_BYTES / 1024),
        )
        .with_help(
            "a scenario is a short TOML file: check that this is the file you meant \
             (a device such as /dev/zero, or data, is not a scenario)",
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // The valid prefix is valid UTF-8, so this cannot fail; fall back to empty.
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
        ScenarioError::at(
            &origin,
            prefix,
            valid,
            format!(
                "is not valid UTF-8: byte 0x{:02x} at offset {valid}",
                bytes.get(valid).copied().unwrap_or(0)
            ),
        )
        .with_help("scenario files are TOML, which must be UTF-8; re-save the file as UTF-8")
    })?;
    parse(&text, &origin)
}

/// Parses and validates scenario text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let doc = Doc { origin, text };
    let root = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        doc.error(
            &(offset..offset),
            format!("is not valid TOML: {}", e.message().trim()),
        )
        .with_help(
            "see https://toml.io for the syntax; strings need quotes, e.g. `name = \"enrich\"`",
        )
    })?;
    let top = Table {
        doc: &doc,
        table: root.get_ref(),
        span: 0..0,
        path: String::new(),
    };
    if top.table.is_empty() {
        return Err(doc
            .error(&(0..0), "is an empty scenario")
            .with_help(MINIMAL));
    }
    top.reject_unknown(TOP_KEYS, None)?;

    let text_field = |key: &str| -> Result<Option<String>, ScenarioError> {
        top.get(key).map(|v| v.str().map(str::to_owned)).transpose()
    };
    let name = match top.get("name") {
        Some(v) => v.name("give the scenario a short name, e.g. `name = \"burst\"`")?,
        None => default_name(origin),
    };
    // Shown on a terminal: control characters are made visible, not sent.
    let description = format::printable(&text_field("description")?.unwrap_or_default());
    let lesson = format::printable(&text_field("lesson")?.unwrap_or_default());
    let seed = match top.get("seed") {
        Some(v) => {
            let seed = v.int()?;
            u64::try_from(seed).map_err(|_| v.error(format!("must be 0 or more, got {seed}")))?
        }
        None => DEFAULT_SEED,
    };
    let duration = match top.get("duration") {
        Some(v) => {
            let d = v.duration()?;
            if d.is_zero() {
                return Err(v
                    .error("must be greater than 0")
                    .with_help("leave `duration` out to run until stopped"));
            }
            Some(d)
        }
        None => None,
    };

    let memory_cap = top
        .get("memory_cap")
        .map(|v| memory::memory_cap(&v))
        .transpose()?
        .unwrap_or_default();

    let cores = match top.get("cores") {
        Some(v) => {
            v.int()?;
            Some(v.int_in(1, MAX_CORES as i64).map_err(|e| {
                e.with_help(format!(
                    "`cores` is how many cores `spin` stages share in a --virtual run: 1..={MAX_CORES}; leave it out for this machine's count"
                ))
            })? as usize)
        }
        None => None,
    };

    let source_help = "e.g.\n        [source]\n        rate = 800";
    let source = source::parse(&top.require("source", MINIMAL)?.table(source_help)?)?;

    let stage_help = "write each stage as a `[[stage]]` table (double brackets)";
    let stage_value = top.require("stage", MINIMAL)?;
    let stage_tables = stage_value.tables(stage_help)?;
    if stage_tables.is_empty() {
        return Err(stage_value
            .error("must list at least one stage")
            .with_help(MINIMAL));
    }
    let mut stages = Vec::with_capacity(stage_tables.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for t in &stage_tables {
        let stage = stage::parse(t)?;
        if let Some(first) = seen.insert(stage.name.clone(), stages.len()) {
            let v = t.require("name", "")?;
            return Err(v
                .error(format!(
                    "repeats the name {:?} of stage[{first}]",
                    stage.name
                ))
                .with_help(
                    "stage names must be unique: timeline entries refer to stages by name",
                ));
        }
        stages.push(stage);
    }

    let timeline = match top.get("timeline") {
        Some(v) => timeline::parse(
            &v.tables("write each entry as a `[[timeline]]` table (double brackets)")?,
            &stages,
        )?,
        None => Vec::new(),
    };

    Ok(Scenario {
        name,
        description,
        lesson,
        duration,
        pipeline: PipelineSpec {
            seed,
            source,
            stages,
        },
        timeline,
        memory_cap,
        cores,
        origin: origin.to_owned(),
    })
}

/// The file stem of the origin, for a scenario without a `name`.
fn default_name(origin: &str) -> String {
    Path::new(origin)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "scenario".to_owned())
}

#[cfg(test)]
mod profile_tests;
#[cfg(test)]
mod tests;

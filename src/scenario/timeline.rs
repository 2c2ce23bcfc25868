//! The `[[timeline]]` entries: commands at given times, with stage names
//! resolved to indices, and rate profiles expanded into steps, sorted by time.

use crate::model::{Command, MAX_DURATION, MAX_SLOWDOWN, StageSpec, TimedCommand};

use super::error::ScenarioError;
use super::fields::{Table, Value};
use super::profile::{self, PROFILES};
use super::source::{self, MAX_BURST};
use super::stage::{self, MAX_WORKERS};
use super::suggest;

/// Each `do` word and the keys it takes besides `at`, `do` and `note`.
const DOS: &[(&str, &[&str])] = &[
    ("burst", &["items"]),
    ("rate", &["rate"]),
    ("pause", &[]),
    ("resume", &[]),
    ("workers", &["stage", "count"]),
    ("policy", &["stage", "policy"]),
    ("slowdown", &["stage", "factor"]),
    ("crash", &["stage"]),
    ("stop", &[]),
];

/// Parses the timeline entries, sorted by `at` (entries at the same time keep
/// their file order). A profile becomes its `rate` steps, the entry's `note`
/// on the first.
pub(crate) fn parse(
    entries: &[Table<'_, '_>],
    stages: &[StageSpec],
) -> Result<Vec<TimedCommand>, ScenarioError> {
    let mut timeline = Vec::new();
    for t in entries {
        let commands = entry(t, stages, timeline.len())?;
        timeline.extend(commands);
        if timeline.len() > profile::MAX_COMMANDS {
            return Err(t
                .doc
                .error(
                    &t.span,
                    format!(
                        "makes the timeline longer than {} commands",
                        profile::MAX_COMMANDS
                    ),
                )
                .with_help("use fewer entries, or coarser rate profiles"));
        }
    }
    timeline.sort_by_key(|c| c.at);
    Ok(timeline)
}

/// The commands of one entry: one, or a profile's steps. `used` counts the
/// commands of the entries before it.
fn entry(
    t: &Table<'_, '_>,
    stages: &[StageSpec],
    used: usize,
) -> Result<Vec<TimedCommand>, ScenarioError> {
    let words: Vec<&'static str> = DOS.iter().chain(PROFILES).map(|(w, _)| *w).collect();
    let Some(do_value) = t.get("do") else {
        t.reject_unknown(&["at", "do", "note"], None)?;
        return Err(t
            .doc
            .error(&t.span, "is missing")
            .with_field(t.field("do"))
            .with_help(format!(
                "say what happens: do = {}",
                suggest::one_of(&words)
            )));
    };
    let what = do_value.word("timeline action", &words)?;
    let params = DOS
        .iter()
        .chain(PROFILES)
        .find(|(w, _)| *w == what)
        .map_or(&[][..], |(_, p)| *p);
    let mut known = vec!["at", "do", "note"];
    known.extend_from_slice(params);
    let takes = if params.is_empty() {
        format!("do = \"{what}\" takes no parameters besides `at` and `note`")
    } else {
        let list: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
        let list = match list.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => list.concat(),
        };
        format!("do = \"{what}\" takes {list}")
    };
    t.reject_unknown(&known, Some(takes.clone()))?;

    let at = t
        .require(
            "at",
            "say when, as time since the start, e.g. `at = \"10s\"`",
        )?
        .duration()?;
    let note = match t.get("note") {
        Some(v) => Some(v.str()?.to_owned()),
        None => None,
    };
    if PROFILES.iter().any(|(w, _)| *w == what) {
        let steps = profile::expand(what, t, at, used, &takes)?;
        // Each of `at`, `every` and `over` is bounded, but steps add up.
        if let Some(&(last, _)) = steps.iter().max_by_key(|(at, _)| *at)
            && last > MAX_DURATION
        {
            return Err(t
                .doc
                .error(
                    &t.span,
                    format!(
                        "has steps past the most a run can represent ({}): the last at {}",
                        humantime::format_duration(MAX_DURATION),
                        humantime::format_duration(last)
                    ),
                )
                .with_field(t.field("at"))
                .with_help("use fewer steps, a shorter `every` or `over`, or an earlier `at`"));
        }
        return Ok(steps
            .into_iter()
            .enumerate()
            .map(|(i, (at, rate))| TimedCommand {
                at,
                command: Command::Rate(rate),
                note: if i == 0 { note.clone() } else { None },
            })
            .collect());
    }
    let need = |key: &str| t.require(key, &takes);
    let command = match what {
        "burst" => Command::Burst {
            items: need("items")?.int_in(1, MAX_BURST)? as u64,
        },
        "rate" => Command::Rate(source::rate(&need("rate")?)?),
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        "workers" => {
            let stage = stage_index(&need("stage")?, stages)?;
            let count = need("count")?;
            count.int()?;
            let count = count
                .int_in(0, MAX_WORKERS)
                .map_err(|e| e.with_help("count is the new pool size; 0 stalls the stage"))?;
            Command::Workers {
                stage,
                count: count as usize,
            }
        }
        "policy" => Command::Policy {
            stage: stage_index(&need("stage")?, stages)?,
            policy: stage::policy(&need("policy")?)?,
        },
        "slowdown" => Command::Slowdown {
            stage: stage_index(&need("stage")?, stages)?,
            factor: factor(&need("factor")?)?,
        },
        "crash" => Command::Crash {
            stage: stage_index(&need("stage")?, stages)?,
        },
        _ => Command::Stop,
    };
    Ok(vec![TimedCommand { at, command, note }])
}

/// The index of the stage a timeline entry names.
fn stage_index(v: &Value<'_, '_>, stages: &[StageSpec]) -> Result<usize, ScenarioError> {
    let name = v.str()?.trim();
    if let Some(i) = stages.iter().position(|s| s.name == name) {
        return Ok(i);
    }
    let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match suggest::did_you_mean(name, names.iter().copied()) {
        Some(d) => format!("{d} (the stages are {list})"),
        None => format!("the stages are {list}"),
    };
    Err(v
        .error(format!("names no stage of this scenario: {name:?}"))
        .with_help(help))
}

/// A slowdown factor in `1.0..=MAX_SLOWDOWN`.
fn factor(v: &Value<'_, '_>) -> Result<f64, ScenarioError> {
    let f = v.number()?;
    if (1.0..=MAX_SLOWDOWN).contains(&f) {
        Ok(f)
    } else {
        Err(v
            .error(format!("must be 1.0..={MAX_SLOWDOWN}, got {f}"))
            .with_help("a factor multiplies the service time: 2.0 halves the stage's speed, 1.0 restores it"))
    }
}

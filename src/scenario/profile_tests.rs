//! Rate profiles expand into the `rate` steps that draw them, and
//! `memory_cap` reads binary sizes.

use std::time::Duration;

use super::*;
use crate::model::{Command, Rate};

/// The smallest valid scenario, to which each test adds a timeline.
use super::tests::MIN as HEAD;

fn steps(entry: &str) -> Vec<(Duration, f64)> {
    let text = format!("{HEAD}\n[[timeline]]\n{entry}");
    let s = parse(&text, "p.toml").unwrap_or_else(|e| panic!("{e}"));
    s.timeline
        .iter()
        .map(|c| match c.command {
            Command::Rate(Rate::PerSecond(r)) => (c.at, r),
            ref other => panic!("{other:?}"),
        })
        .collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_single_step_is_a_rate_change() {
    assert_eq!(
        steps("at = \"2s\"\ndo = \"step\"\nrate = 300"),
        vec![(ms(2000), 300.0)]
    );
}

#[test]
fn a_list_of_steps_holds_each_for_every() {
    assert_eq!(
        steps("at = \"1s\"\ndo = \"step\"\nrates = [800, 1600, 400]\nevery = \"10s\""),
        vec![(ms(1000), 800.0), (ms(11_000), 1600.0), (ms(21_000), 400.0)]
    );
}

#[test]
fn a_ramp_steps_every_250ms_and_ends_at_to() {
    let got =
        steps("at = \"1s\"\ndo = \"ramp\"\nfrom = 100\nto = 200\nover = \"1s\"\nnote = \"up\"");
    assert_eq!(
        got,
        vec![
            (ms(1000), 100.0),
            (ms(1250), 125.0),
            (ms(1500), 150.0),
            (ms(1750), 175.0),
            (ms(2000), 200.0)
        ]
    );
}

#[test]
fn a_ramp_down_with_a_coarse_step_ends_exactly_at_over() {
    let got =
        steps("at = \"0s\"\ndo = \"ramp\"\nfrom = 1000\nto = 100\nover = \"5s\"\nevery = \"2s\"");
    assert_eq!(
        got,
        vec![
            (ms(0), 1000.0),
            (ms(2000), 640.0),
            (ms(4000), 280.0),
            (ms(5000), 100.0)
        ]
    );
}

#[test]
fn a_sine_starts_at_the_mean_rising_and_peaks_a_quarter_period_in() {
    let got = steps(
        "at = \"0s\"\ndo = \"sine\"\nmean = 600\namplitude = 400\nperiod = \"4s\"\nover = \"8s\"\nevery = \"1s\"",
    );
    let rates: Vec<f64> = got.iter().map(|s| s.1).collect();
    assert_eq!(
        rates,
        vec![
            600.0, 1000.0, 600.0, 200.0, 600.0, 1000.0, 600.0, 200.0, 600.0
        ]
    );
    assert_eq!(got.last().unwrap().0, ms(8000));
}

#[test]
fn a_sine_defaults_to_16_steps_a_short_period() {
    let got = steps(
        "at = \"0s\"\ndo = \"sine\"\nmean = 100\namplitude = 50\nperiod = \"1s\"\nover = \"1s\"",
    );
    assert_eq!(got.len(), 17);
    assert_eq!(got[1].0, Duration::from_micros(62_500));
    assert!(got.iter().all(|&(_, r)| (50.0..=150.0).contains(&r)));
}

#[test]
fn a_square_wave_sets_only_its_edges_and_ends_low() {
    let got = steps(
        "at = \"10s\"\ndo = \"square\"\nlow = 100\nhigh = 1000\nperiod = \"4s\"\nduty = 0.25\nover = \"10s\"",
    );
    assert_eq!(
        got,
        vec![
            (ms(10_000), 1000.0),
            (ms(11_000), 100.0),
            (ms(14_000), 1000.0),
            (ms(15_000), 100.0),
            (ms(18_000), 1000.0),
            (ms(19_000), 100.0),
        ]
    );
    // Ending mid-burst, the profile still ends low, at `over`.
    let got = steps(
        "at = \"0s\"\ndo = \"square\"\nlow = 1\nhigh = 2\nperiod = \"2s\"\nover = \"2500ms\"",
    );
    assert_eq!(
        got,
        vec![
            (ms(0), 2.0),
            (ms(1000), 1.0),
            (ms(2000), 2.0),
            (ms(2500), 1.0)
        ]
    );
}

#[test]
fn a_profile_note_goes_on_its_first_step_only() {
    let text = format!(
        "{HEAD}\n[[timeline]]\nat = \"0s\"\ndo = \"ramp\"\nfrom = 1\nto = 2\nover = \"1s\"\nnote = \"ramping\""
    );
    let s = parse(&text, "p.toml").unwrap();
    assert_eq!(s.timeline[0].note.as_deref(), Some("ramping"));
    assert!(s.timeline[1..].iter().all(|c| c.note.is_none()));
}

#[test]
fn profiles_interleave_with_other_commands_by_time() {
    let text = format!(
        "{HEAD}\n[[timeline]]\nat = \"0s\"\ndo = \"ramp\"\nfrom = 1\nto = 2\nover = \"1s\"\n\n[[timeline]]\nat = \"600ms\"\ndo = \"burst\"\nitems = 5"
    );
    let s = parse(&text, "p.toml").unwrap();
    let kinds: Vec<&str> = s.timeline.iter().map(|c| c.command.kind()).collect();
    assert_eq!(kinds, ["rate", "rate", "rate", "burst", "rate", "rate"]);
}

#[test]
fn memory_cap_reads_binary_sizes() {
    let cap = |v: &str| {
        parse(&format!("memory_cap = {v:?}\n{HEAD}"), "m.toml")
            .map(|s| s.memory_cap)
            .map_err(|e| e.to_string())
    };
    assert_eq!(cap("512MiB"), Ok(MemoryCap::Bytes(512 << 20)));
    assert_eq!(cap("1GiB"), Ok(MemoryCap::Bytes(1 << 30)));
    assert_eq!(cap("1.5 GiB"), Ok(MemoryCap::Bytes(3 << 29)));
    assert_eq!(cap("16384KiB"), Ok(MemoryCap::Bytes(16 << 20)));
    assert_eq!(cap("16GiB"), Ok(MemoryCap::Bytes(16 << 30)));
    assert_eq!(
        parse(HEAD, "m.toml").unwrap().memory_cap,
        MemoryCap::Default
    );
    assert_eq!(cap("none"), Ok(MemoryCap::Off));
}

#[test]
fn profile_steps_that_add_up_past_the_longest_run_are_refused() {
    // Each `every` is within bounds; six of them reach 584 years, where
    // engine nanoseconds wrap around to the start of the run.
    let text = format!(
        "{HEAD}\n[[timeline]]\nat = \"1s\"\ndo = \"step\"\nrates = [1, 2, 3, 4, 5, 6, 777]\nevery = \"3074457345668ms\""
    );
    let e = parse(&text, "far.toml").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("timeline[0].at"), "{e}");
    assert!(
        e.message
            .starts_with("has steps past the most a run can represent"),
        "{e}"
    );
    // The same steps a day apart are fine.
    let text = text.replace("3074457345668ms", "1day");
    assert_eq!(parse(&text, "near.toml").unwrap().timeline.len(), 7);
}

//! Every kind of bad scenario gets an error naming `origin:line:col`, the
//! field, what was wrong and, where possible, how to fix it.

use std::io::Write as _;

use pipetop::scenario;

mod common;
use common::{GOOD, assert_error, break_good};

#[test]
fn the_good_scenario_parses() {
    scenario::parse(GOOD, "demos/t.toml").unwrap();
}

#[test]
fn toml_syntax_error_names_line_and_column() {
    let e = break_good("name = \"enrich\"\n", "name = \"enrich\n");
    let text = e.to_string();
    assert!(text.starts_with("demos/t.toml:13:"), "{text}");
    assert!(text.contains("is not valid TOML"), "{text}");
    assert!(text.contains("\n  help: "), "{text}");
}

#[test]
fn unknown_key_suggests_the_close_known_key() {
    let e = break_good("workers = 4", "wokers = 4");
    assert_error(&e, 14, 1, "stage[1].wokers", "is not a known key");
    assert!(
        e.to_string().contains("help: did you mean `workers`?"),
        "{e}"
    );
}

#[test]
fn unknown_top_level_table_suggests_the_close_one() {
    let e = break_good("[source]", "[sauce]");
    assert_error(&e, 4, 2, "sauce", "is not a known key");
    assert!(e.to_string().contains("did you mean `source`?"), "{e}");
}

#[test]
fn wrong_type_says_what_was_expected_and_what_was_given() {
    let e = break_good("workers = 2", "workers = \"two\"");
    assert_error(
        &e,
        9,
        11,
        "stage[0].workers",
        "must be a whole number, got the string \"two\"",
    );
}

#[test]
fn negative_rate_is_rejected_with_a_fix() {
    let e = break_good("rate = 800", "rate = -800");
    assert_error(&e, 5, 8, "source.rate", "must be greater than 0, got -800");
    assert!(e.help.as_deref().unwrap_or("").contains("pause"), "{e}");
}

#[test]
fn over_limit_pool_names_the_limit() {
    let e = break_good("workers = 4", "workers = 5000");
    assert_error(&e, 14, 11, "stage[1].workers", "must be 1..=1024, got 5000");
}

#[test]
fn zero_workers_at_the_start_points_to_the_timeline() {
    let e = break_good("workers = 2", "workers = 0");
    assert_error(&e, 9, 11, "stage[0].workers", "must be 1..=1024, got 0");
    assert!(e.to_string().contains("count = 0"), "{e}");
}

#[test]
fn bad_duration_shows_the_expected_form() {
    let e = break_good("at = \"10s\"", "at = \"ten seconds\"");
    assert_error(
        &e,
        19,
        6,
        "timeline[0].at",
        "is not a duration: \"ten seconds\"",
    );
    assert!(e.to_string().contains("\"250ms\""), "{e}");
}

#[test]
fn missing_distribution_parameter_names_it() {
    let e = break_good(", stddev = \"1ms\" }", " }");
    assert_error(&e, 16, 11, "stage[1].service.stddev", "is missing");
    assert!(
        e.to_string()
            .contains("dist = \"normal\" needs mean and stddev"),
        "{e}"
    );
}

#[test]
fn parameter_of_another_distribution_says_what_this_one_takes() {
    let e = break_good("mean = \"1ms\" }", "mean = \"1ms\", max = \"2ms\" }");
    assert_error(&e, 10, 41, "stage[0].service.max", "is not a known key");
    assert!(e.to_string().contains("dist = \"exp\" takes `mean`"), "{e}");
}

#[test]
fn unknown_distribution_suggests_the_close_one() {
    let e = break_good("dist = \"exp\"", "dist = \"expo\"");
    assert_error(
        &e,
        10,
        20,
        "stage[0].service.dist",
        "names an unknown distribution \"expo\"",
    );
    assert!(e.to_string().contains("did you mean `exp`?"), "{e}");
}

#[test]
fn unknown_policy_lists_the_policies() {
    let e = break_good("policy = \"block\"", "policy = \"drop-new\"");
    assert_error(
        &e,
        15,
        10,
        "stage[1].policy",
        "names an unknown policy \"drop-new\"",
    );
    let text = e.to_string();
    assert!(text.contains("did you mean `drop-newest`?"), "{text}");
    assert!(text.contains("block | drop-newest | drop-oldest"), "{text}");
}

#[test]
fn timeline_naming_a_missing_stage_lists_the_stages() {
    let e = break_good("stage = \"enrich\"", "stage = \"enrichment\"");
    assert_error(
        &e,
        21,
        9,
        "timeline[0].stage",
        "names no stage of this scenario: \"enrichment\"",
    );
    assert!(e.to_string().contains("`ingest`, `enrich`"), "{e}");
}

#[test]
fn duplicate_stage_names_point_at_the_second() {
    let e = break_good("name = \"enrich\"", "name = \"ingest\"");
    assert_error(
        &e,
        13,
        8,
        "stage[1].name",
        "repeats the name \"ingest\" of stage[0]",
    );
}

#[test]
fn empty_file_explains_what_a_scenario_needs() {
    for text in ["", "\n\n", "# only a comment\n"] {
        let e = scenario::parse(text, "demos/t.toml").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("demos/t.toml:1:1: is an empty scenario"),
            "{msg}"
        );
        assert!(msg.contains("[[stage]]"), "{msg}");
    }
}

#[test]
fn non_utf8_bytes_are_located() {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(b"name = \"ok\"\ndescription = \"caf\xe9\"\n")
        .unwrap();
    let e = scenario::load_path(file.path()).unwrap_err();
    let msg = e.to_string();
    let origin = file.path().display().to_string();
    assert!(
        msg.starts_with(&format!("{origin}:2:19: is not valid UTF-8")),
        "{msg}"
    );
    assert!(msg.contains("0xe9"), "{msg}");
}

#[test]
fn missing_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let e = scenario::load(path.to_str().unwrap()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{}: cannot be read", path.display())),
        "{msg}"
    );
    assert!(msg.contains("help: "), "{msg}");
}

#[test]
fn unknown_demo_name_lists_the_demos() {
    let e = scenario::load("stedy").unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("did you mean `steady`?"), "{msg}");
    assert!(msg.contains("steady, burst, bottleneck"), "{msg}");
}

#[test]
fn timeline_parameter_of_another_action_says_what_this_one_takes() {
    let e = break_good("count = 8", "items = 8");
    assert_error(&e, 22, 1, "timeline[0].items", "is not a known key");
    assert!(
        e.to_string()
            .contains("do = \"workers\" takes `stage` and `count`"),
        "{e}"
    );
}

#[test]
fn slowdown_below_one_is_rejected() {
    let e = break_good(
        "do = \"workers\"\nstage = \"enrich\"\ncount = 8",
        "do = \"slowdown\"\nstage = \"enrich\"\nfactor = 0.5",
    );
    assert_error(
        &e,
        22,
        10,
        "timeline[0].factor",
        "must be 1.0..=1000, got 0.5",
    );
}

#[test]
fn stage_written_as_a_single_table_suggests_double_brackets() {
    let text = "[source]\nrate = 1\n[stage]\nname = \"a\"\n";
    let e = scenario::parse(text, "demos/t.toml").unwrap_err();
    assert_error(&e, 3, 1, "stage", "must be an array of tables");
    assert!(e.to_string().contains("[[stage]]"), "{e}");
}

#[test]
fn no_input_panics_the_parser() {
    // Prefixes of a demo, and single-character corruptions of a valid file,
    // are accepted or rejected: never a panic.
    let text = scenario::demos::find("burst").unwrap().source;
    for cut in (0..=text.len()).step_by(7) {
        if text.is_char_boundary(cut) {
            let _ = scenario::parse(&text[..cut], "demos/t.toml");
        }
    }
    for (i, _) in GOOD.char_indices() {
        for replacement in ["\"", "=", "[", "-", "0", "\n", "}", "é"] {
            let mut broken = GOOD.to_owned();
            broken.replace_range(i..i + 1, replacement);
            let _ = scenario::parse(&broken, "demos/t.toml");
        }
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = scenario::parse(&text, "demos/t.toml");
    }

    #[test]
    fn scenario_shaped_text_never_panics(tokens in proptest::collection::vec(
        proptest::sample::select(vec![
            "[source]\n", "[[stage]]\n", "[[timeline]]\n", "rate = ", "name = ", "\"a\"\n",
            "workers = ", "-1\n", "0\n", "1e400\n", "\"max\"\n", "service = { dist = \"uniform\", ",
            "min = \"1ms\"", ", max = \"0s\" }\n", "do = \"workers\"\n", "stage = \"a\"\n",
            "count = ", "at = \"1s\"\n", "queue = ", "\"unbounded\"\n", "9223372036854775807\n",
            "é", "\n", "=", "{", "}",
        ]),
        0..40,
    )) {
        let _ = scenario::parse(&tokens.concat(), "demos/t.toml");
    }
}

/// GOOD with its timeline entry's action replaced by `action` (which starts
/// on line 20, after `at` on line 19).
fn break_timeline(action: &str) -> scenario::ScenarioError {
    break_good("do = \"workers\"\nstage = \"enrich\"\ncount = 8", action)
}

#[test]
fn a_profile_missing_a_parameter_names_it_and_lists_the_others() {
    let e = break_timeline("do = \"ramp\"\nfrom = 100\nover = \"5s\"");
    let text = e.to_string();
    assert!(text.contains("`timeline[0].to` is missing"), "{text}");
    assert!(
        text.contains("do = \"ramp\" takes `from`, `to`, `over` and `every`"),
        "{text}"
    );
}

#[test]
fn a_profile_key_typo_suggests_the_parameter() {
    let e = break_timeline("do = \"ramp\"\nform = 100\nto = 200\nover = \"5s\"");
    assert_error(&e, 21, 1, "timeline[0].form", "did you mean `from`?");
}

#[test]
fn a_sine_may_not_swing_below_zero() {
    let e = break_timeline(
        "do = \"sine\"\nmean = 600\namplitude = 900\nperiod = \"60s\"\nover = \"2m\"",
    );
    assert_error(
        &e,
        22,
        13,
        "timeline[0].amplitude",
        "must be 0 or more and less than `mean` (600), got 900",
    );
}

#[test]
fn a_sine_step_coarser_than_a_quarter_period_is_rejected() {
    let e = break_timeline(
        "do = \"sine\"\nmean = 600\namplitude = 100\nperiod = \"4s\"\nover = \"8s\"\nevery = \"2s\"",
    );
    assert_error(
        &e,
        25,
        9,
        "timeline[0].every",
        "is too coarse for a period of 4s",
    );
}

#[test]
fn a_square_wave_needs_high_above_low_and_a_duty_inside_0_1() {
    let e =
        break_timeline("do = \"square\"\nlow = 500\nhigh = 100\nperiod = \"10s\"\nover = \"1m\"");
    assert_error(
        &e,
        22,
        8,
        "timeline[0].high",
        "must be greater than `low` (500), got 100",
    );
    let e = break_timeline(
        "do = \"square\"\nlow = 100\nhigh = 500\nperiod = \"10s\"\nduty = 1.5\nover = \"1m\"",
    );
    assert_error(&e, 24, 8, "timeline[0].duty", "must be between 0 and 1");
}

#[test]
fn a_step_takes_rate_or_rates_not_both() {
    let e = break_timeline("do = \"step\"\nrate = 100\nrates = [1, 2]\nevery = \"1s\"");
    assert_error(
        &e,
        22,
        9,
        "timeline[0].rates",
        "cannot be given with `rate`",
    );
    let e = break_timeline("do = \"step\"\nrates = [100, -2]\nevery = \"1s\"");
    assert_error(
        &e,
        21,
        15,
        "timeline[0].rates[1]",
        "must be greater than 0, got -2",
    );
    let e = break_timeline("do = \"step\"\nrates = [100, 200]");
    assert!(
        e.to_string().contains("`timeline[0].every` is missing"),
        "{e}"
    );
}

#[test]
fn a_profile_rate_cannot_be_max() {
    let e = break_timeline("do = \"ramp\"\nfrom = 100\nto = \"max\"\nover = \"5s\"");
    assert_error(
        &e,
        22,
        6,
        "timeline[0].to",
        "cannot be \"max\" in a profile",
    );
}

#[test]
fn memory_cap_wants_a_binary_size_in_range() {
    let cases = [
        (
            "\"512MB\"",
            "has the unit \"MB\", which is ambiguous",
            "512MiB",
        ),
        (
            "\"1MiB\"",
            "must be 16MiB..=16GiB or \"none\", got 1MiB",
            "resident memory",
        ),
        (
            "\"32GiB\"",
            "must be 16MiB..=16GiB or \"none\", got 32GiB",
            "resident memory",
        ),
        ("\"lots\"", "is not a size: \"lots\"", "\"256MiB\""),
        ("\"512\"", "has no unit", "\"256MiB\""),
        (
            "536870912",
            "must be a size string, got the integer",
            "\"256MiB\"",
        ),
    ];
    for (value, says, help) in cases {
        let e = break_good(
            "duration = \"30s\"",
            &format!("duration = \"30s\"\nmemory_cap = {value}"),
        );
        assert_error(&e, 3, 14, "memory_cap", says);
        assert!(e.help.as_deref().unwrap_or("").contains(help), "{e}");
    }
}

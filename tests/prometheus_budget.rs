//! The scrape-size budget (issue 18): with the latency histograms (40
//! buckets each) and pipetop's window summaries, an eight-stage exposition
//! stays under 200 KB in both text formats, and passes `promtool check
//! metrics` when promtool is installed.

mod fixture;

use std::io::Write;
use std::process::{Command, Stdio};

fn promtool_check(body: &str) {
    let Ok(mut promtool) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("note: promtool not found (Debian package `prometheus`); skipping its check");
        return;
    };
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = promtool.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_eight_stage_scrape_stays_within_its_200_kb_budget() {
    use pipetop::export::prometheus::{Histograms, encode_with, to_classic_text};
    use pipetop::metrics::LatencyCounts;

    // Eight stages with long names, every latency bucket counted in the
    // millions (the widest numbers), window quantiles set.
    let mut snapshot = fixture::snapshot(fixture::Scene::Burst, 240, 1.0);
    let template = snapshot.stages[2].clone();
    snapshot.stages = (0..8)
        .map(|i| {
            let mut stage = template.clone();
            stage.name = format!("stage-with-a-rather-long-name-{i}");
            stage
        })
        .collect();
    let everywhere = LatencyCounts::new(
        (0..40u32)
            .map(|i| (1_000 * 1.6f64.powi(i as i32) as u64, 9_876_543))
            .collect(),
        0,
    );
    let mut histograms = Histograms::default();
    for _ in 0..100 {
        snapshot.end_to_end_ms.recorded = everywhere.clone();
        for stage in &mut snapshot.stages {
            stage.service_ms.recorded = everywhere.clone();
            stage.wait_ms.recorded = everywhere.clone();
        }
        histograms.add(&snapshot);
    }
    let openmetrics = encode_with(Some(&snapshot), &std::sync::Arc::new(histograms));
    let classic = to_classic_text(&openmetrics);
    for (format, body) in [("OpenMetrics", &openmetrics), ("classic", &classic)] {
        assert!(
            body.len() <= 200 * 1024,
            "{format}: {} bytes for 8 stages",
            body.len()
        );
    }
    eprintln!(
        "8 stages: {} bytes (OpenMetrics), {} bytes (classic text)",
        openmetrics.len(),
        classic.len()
    );
    promtool_check(&classic);
}

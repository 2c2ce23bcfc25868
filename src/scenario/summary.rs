//! The short human summary `pipetop check` prints for a valid scenario.

use std::fmt::Write as _;
use std::time::Duration;

use crate::model::{Arrivals, FailKind, ServiceDist, StageSpec};

use super::Scenario;
use super::capacity::{self, Footprint};
use super::memory::MemoryCap;

/// Name, source, each stage (workers, queue, policy, service, utilization),
/// the memory cap, the run's estimated footprint and the timeline's length.
pub fn check_summary(s: &Scenario, footprint: &Footprint) -> String {
    let p = &s.pipeline;
    let mut out = String::new();
    let _ = writeln!(out, "{}: ok, scenario `{}`", s.origin, s.name);
    if !s.description.is_empty() {
        let _ = writeln!(out, "  {}", s.description.trim());
    }
    let duration = s.duration.map_or_else(
        || "until stopped".to_owned(),
        |d| format!("for {}", humantime::format_duration(d)),
    );
    let _ = writeln!(
        out,
        "  source: {} {} arrivals, burst {}, seed {}, runs {duration}",
        p.source.rate,
        match p.source.arrivals {
            Arrivals::Poisson => "poisson",
            Arrivals::Uniform => "uniform",
        },
        p.source.burst,
        p.seed
    );
    let width = p
        .stages
        .iter()
        .map(|st| st.name.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(
        out,
        "  {:width$}  {:>7}  {:>9}  {:11}  {:5}  service",
        "stage", "workers", "queue", "policy", "rho"
    );
    for st in &p.stages {
        let queue = st
            .queue
            .bound()
            .map_or_else(|| "unbounded".to_owned(), |n| n.to_string());
        let rho = p
            .source
            .rate
            .per_second()
            .map_or_else(|| "-".to_owned(), |r| format!("{:.2}", utilization(r, st)));
        let _ = writeln!(
            out,
            "  {:width$}  {:>7}  {:>9}  {:11}  {:5}  {}{}",
            st.name,
            st.workers,
            queue,
            st.policy.as_str(),
            rho,
            service(&st.service),
            failures(st)
        );
    }
    match s.memory_cap {
        MemoryCap::Bytes(cap) => {
            let _ = writeln!(
                out,
                "  memory cap: {} MiB (the run aborts past it)",
                cap >> 20
            );
        }
        MemoryCap::Default => {
            if let Some(cap) = s.memory_cap.bytes() {
                let _ = writeln!(
                    out,
                    "  memory cap: {} MiB (the default, half of this machine's memory; \
                     `memory_cap` sets another, \"none\" turns it off)",
                    cap >> 20
                );
            }
        }
        MemoryCap::Off => {
            let _ = writeln!(out, "  memory cap: none (`memory_cap = \"none\"`)");
        }
    }
    let _ = writeln!(out, "{}", capacity::summary_line(footprint));
    let n = s.timeline.len();
    let _ = writeln!(
        out,
        "  timeline: {n} command{}",
        if n == 1 { "" } else { "s" }
    );
    out
}

/// ρ = λ · E[S] / c for a stage at the source rate (ignoring retries and drops).
pub fn utilization(rate_per_s: f64, stage: &StageSpec) -> f64 {
    rate_per_s * stage.service.mean().as_secs_f64() / stage.workers.max(1) as f64
}

fn service(d: &ServiceDist) -> String {
    match *d {
        ServiceDist::Fixed { mean } => format!("fixed {}", human(mean)),
        ServiceDist::Exp { mean } => format!("exp mean {}", human(mean)),
        ServiceDist::Uniform { min, max } => format!("uniform {}..{}", human(min), human(max)),
        ServiceDist::Normal { mean, stddev } | ServiceDist::LogNormal { mean, stddev } => {
            format!("{} mean {} sd {}", d.name(), human(mean), human(stddev))
        }
    }
}

fn failures(st: &StageSpec) -> String {
    if st.fail_rate > 0.0 {
        let kind = match st.fail_kind {
            FailKind::Error => "error",
            FailKind::Panic => "panic",
        };
        format!(
            ", fails {}% ({kind}, {} attempts)",
            st.fail_rate * 100.0,
            st.max_attempts
        )
    } else {
        String::new()
    }
}

/// A compact duration: "750us", "1.5ms", "2s".
fn human(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1_000 {
        format!("{us}us")
    } else if us < 1_000_000 {
        format!("{}ms", trim(us as f64 / 1_000.0))
    } else {
        format!("{}s", trim(d.as_secs_f64()))
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

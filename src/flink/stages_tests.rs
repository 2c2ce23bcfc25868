//! The mapping from a look at a Flink job to a snapshot, on a made-up job:
//! source → parse (2 subtasks, back-pressured) → slow (1 subtask, busy).

use std::collections::HashMap;

use super::*;
use crate::flink::poll::{Aggregate, BACKPRESSURED, BUSY, IDLE, JobState, OUT_POOL};

fn vertex(
    id: &str,
    parallelism: usize,
    inputs: Vec<usize>,
    m: &[(&str, f64, f64)],
) -> VertexSample {
    VertexSample {
        id: id.into(),
        name: id.into(),
        parallelism,
        inputs,
        metrics: m
            .iter()
            .map(|(n, avg, sum)| {
                (
                    n.to_string(),
                    Aggregate {
                        avg: Some(*avg),
                        sum: Some(*sum),
                    },
                )
            })
            .collect::<HashMap<_, _>>(),
        backpressure: None,
        watermark: None,
    }
}

fn job() -> JobSample {
    let mut parse = vertex(
        "parse",
        2,
        vec![0],
        &[
            (BUSY, 100.0, 200.0),
            (IDLE, 0.0, 0.0),
            (BACKPRESSURED, 900.0, 1800.0),
            (IN_COUNT, 500.0, 1000.0),
            (OUT_COUNT, 500.0, 1000.0),
            (OUT_POOL, 1.0, 2.0),
        ],
    );
    parse.backpressure = Some("high".into());
    parse.watermark = Some(LOOKED_AT - 1_500);
    JobSample {
        name: "job".into(),
        state: JobState::Running,
        vertices: vec![
            vertex("Source: source", 1, vec![], &[(OUT_COUNT, 1500.0, 1500.0)]),
            parse,
            vertex(
                "slow -> Sink: Writer",
                1,
                vec![1],
                &[
                    (BUSY, 990.0, 990.0),
                    (IDLE, 10.0, 10.0),
                    (IN_COUNT, 400.0, 400.0),
                ],
            ),
        ],
        checkpoints: Some(checkpoints()),
        looked_at_ms: LOOKED_AT_MS,
    }
}

/// When the made-up look happened, ms since the epoch.
const LOOKED_AT_MS: u64 = 1_796_429_250_000;
const LOOKED_AT: i64 = LOOKED_AT_MS as i64;

fn checkpoints() -> crate::flink::api::Checkpoints {
    use crate::flink::api::{CheckpointCounts, CheckpointDetails, Checkpoints, LatestCheckpoints};
    Checkpoints {
        counts: CheckpointCounts {
            completed: 6,
            failed: 1,
            in_progress: 1,
        },
        latest: LatestCheckpoints {
            completed: Some(CheckpointDetails {
                id: 7,
                end_to_end_duration: 4_800,
                state_size: 2_048,
                checkpointed_size: 512,
                latest_ack_timestamp: LOOKED_AT_MS - 3_000,
                ..CheckpointDetails::default()
            }),
            failed: Some(CheckpointDetails {
                id: 5,
                failure_timestamp: Some(LOOKED_AT_MS - 20_000),
                failure_message: Some("Checkpoint expired before completing.".into()),
                ..CheckpointDetails::default()
            }),
        },
    }
}

#[test]
fn every_vertex_is_a_stage_with_flinks_measures() {
    let sample = job();
    let mut mapper = Mapper::new(Layout::every_vertex(&sample));
    let s = mapper.snapshot(&sample, (0, 0.0), RunState::Running, None, Vec::new());
    let workers: Vec<usize> = s.stages.iter().map(|s| s.workers).collect();
    assert_eq!(workers, [1, 2, 1]);
    let parse = &s.stages[1];
    assert_eq!(parse.backpressure, Backpressure::High);
    assert!((parse.busy + parse.idle + parse.blocked - 1.0).abs() < 1e-9);
    assert!((parse.blocked - 0.9).abs() < 1e-9);
    // slow reads parse's full output buffers: its queue is full, in percent.
    assert_eq!(s.stages[2].queue_len, QUEUE_PERCENT);
    assert_eq!(s.stages[2].queue_capacity, Some(QUEUE_PERCENT));
    // The cause below the back-pressured stage, by pipetop's own rule.
    assert_eq!(s.bottleneck, Some(2));
    // A sink's records leave the job: they are its processed ones.
    assert_eq!(s.stages[2].processed, 400);
    let t = s.totals;
    assert_eq!((t.generated, t.completed), (1500, 400));
    assert_eq!(
        t.generated,
        t.completed + t.dropped + t.dead_lettered + t.in_flight
    );
    assert!(s.stages[1].service_ms.unavailable && s.end_to_end_ms.unavailable);
    assert_eq!(s.checkpoint, 7);
}

#[test]
fn watermark_lag_is_the_look_minus_the_watermark_and_absent_without_one() {
    let sample = job();
    let mut mapper = Mapper::new(Layout::every_vertex(&sample));
    let s = mapper.snapshot(&sample, (0, 0.0), RunState::Running, None, Vec::new());
    let parse = s.stages[1].watermark.expect("parse has a watermark");
    assert_eq!(parse.at_ms, LOOKED_AT - 1_500);
    assert_eq!(parse.lag_ms, 1_500.0);
    assert_eq!(
        s.stages[0].watermark, None,
        "a source has no input watermark"
    );
    assert_eq!(
        s.stages[2].watermark, None,
        "not yet: not available, not zero"
    );
}

#[test]
fn the_checkpoint_panel_has_counts_the_last_completed_and_the_last_failure() {
    let mut sample = job();
    let mut mapper = Mapper::new(Layout::every_vertex(&sample));
    let s = mapper.snapshot(&sample, (0, 0.0), RunState::Running, None, Vec::new());
    let c = s.checkpoints.expect("the job takes checkpoints");
    assert_eq!((c.completed, c.failed, c.in_progress), (6, 1, 1));
    let done = c.last_completed.expect("one completed");
    assert_eq!(
        (done.id, done.duration_ms, done.size_bytes),
        (7, 4_800, 2_048)
    );
    assert_eq!(done.age_s, 3.0);
    let failed = c.last_failure.expect("one failed");
    assert_eq!(failed.reason, "Checkpoint expired before completing.");
    assert_eq!(failed.age_s, 20.0);
    // A job without checkpoints has no panel figures at all, not zeros.
    sample.checkpoints = None;
    let s = mapper.snapshot(&sample, (1, 1.0), RunState::Running, None, Vec::new());
    assert_eq!((s.checkpoints, s.checkpoint), (None, 0));
}

#[test]
fn a_scenario_maps_stages_by_first_operator_and_the_source_apart() {
    let mut sample = job();
    sample.vertices[1].name = "parse".into();
    sample.vertices[2].name = "slow -> Sink: Writer".into();
    let names = vec!["parse".to_string(), "slow".to_string()];
    let layout = Layout::scenario(&sample, &names).expect("both stages found");
    assert_eq!(layout.source.as_deref(), Some("Source: source"));
    assert_eq!(layout.stages, ["parse", "slow -> Sink: Writer"]);
    let mut mapper = Mapper::new(layout);
    let setting = SourceSetting {
        rate: Rate::PerSecond(250.0),
        paused: false,
    };
    let s = mapper.snapshot(
        &sample,
        (0, 0.0),
        RunState::Running,
        Some(setting),
        Vec::new(),
    );
    assert_eq!(s.stages[0].name, "parse");
    assert_eq!(s.source.rate, Rate::PerSecond(250.0));
    assert!(Layout::scenario(&sample, &["nope".to_string()]).is_none());
}

#[test]
fn rates_come_from_counts_over_a_span_and_restart_with_the_tasks() {
    let mut sample = job();
    let mut mapper = Mapper::new(Layout::every_vertex(&sample));
    mapper.snapshot(&sample, (0, 0.0), RunState::Running, None, Vec::new());
    let set_count = |sample: &mut JobSample, n: f64| {
        let m = sample.vertices[2].metrics.get_mut(IN_COUNT).unwrap();
        m.sum = Some(n);
    };
    set_count(&mut sample, 800.0);
    // Within the span the rate holds; over it, the change counts.
    let s = mapper.snapshot(
        &sample,
        (1, RATE_SPAN_S / 2.0),
        RunState::Running,
        None,
        Vec::new(),
    );
    assert_eq!(s.stages[2].out_rate, 0.0);
    let s = mapper.snapshot(
        &sample,
        (2, RATE_SPAN_S),
        RunState::Running,
        None,
        Vec::new(),
    );
    let expected = 400.0 / RATE_SPAN_S;
    assert!(
        (s.stages[2].out_rate - expected).abs() < 1e-9,
        "{}",
        s.stages[2].out_rate
    );
    // The tasks restarted: counts fell; no negative rate.
    set_count(&mut sample, 10.0);
    let s = mapper.snapshot(
        &sample,
        (2, 2.0 * RATE_SPAN_S),
        RunState::Running,
        None,
        Vec::new(),
    );
    assert!(s.stages[2].out_rate >= 0.0);
}

#[test]
fn the_watcher_announces_the_bottleneck_so_the_report_can_sum_it_up() {
    use crate::flink::rest::Rest;
    use crate::flink::watch::{FlinkJob, Watcher};
    use crate::model::EventKind;
    let sample = job();
    // Nothing is asked of the cluster to send a snapshot of the last look.
    let poller =
        crate::flink::poll::Poller::new(Rest::new("http://127.0.0.1:1").unwrap(), "j".into());
    let job = FlinkJob::new(poller, Layout::every_vertex(&sample), sample, None);
    let mut watcher = Watcher::new(job, crate::engine::RunOptions::default());
    let (tx, rx) = crossbeam_channel::unbounded();
    for _ in 0..4 {
        assert!(watcher.send(RunState::Running, &tx));
    }
    let announced: Vec<Option<usize>> = rx
        .try_iter()
        .flat_map(|s| s.events.clone())
        .filter_map(|e| match e.kind {
            EventKind::Bottleneck { stage, .. } => Some(stage.map(|s| s.index)),
            _ => None,
        })
        .collect();
    assert_eq!(announced, [Some(2)], "slow, once");
}

//! The formulas against textbook values, and the model checks.

use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn mm1_at_rho_0_8_waits_4_ms_with_3_2_queued() {
    let p = predict(800.0, 1000.0, 1);
    assert!(close(p.utilization, 0.8, 1e-12));
    assert!(close(p.p_wait, 0.8, 1e-12), "{p:?}");
    assert!(close(p.wait_ms, 4.0, 1e-9), "{p:?}");
    assert!(close(p.queue_len, 3.2, 1e-9), "{p:?}");
}

#[test]
fn mm4_at_rho_0_8_matches_the_tables() {
    let p = predict(3200.0, 1000.0, 4);
    assert!(close(p.p_wait, 0.5964, 5e-5), "{p:?}");
    assert!(close(p.wait_ms, 0.7455, 5e-5), "{p:?}");
    assert!(close(p.queue_len, 3200.0 * 0.7455e-3, 1e-3), "{p:?}");
}

#[test]
fn two_servers_at_load_one_wait_a_third_of_the_time() {
    assert!(close(erlang_c(2, 1.0), 1.0 / 3.0, 1e-12));
}

#[test]
fn erlang_c_is_stable_for_1024_workers() {
    let c = erlang_c(1024, 1000.0);
    assert!(c.is_finite() && (0.0..=1.0).contains(&c), "{c}");
    // Near saturation the wait probability approaches 1, never passes it.
    let near = erlang_c(1024, 1023.9);
    assert!(near > 0.9 && near <= 1.0, "{near}");
    let p = predict(1000.0 * 1000.0, 1000.0, 1024);
    assert!(p.wait_ms.is_finite() && p.wait_ms >= 0.0, "{p:?}");
}

#[test]
fn overload_has_no_steady_state() {
    let p = predict(300.0, 100.0, 2);
    assert!(p.utilization > 1.0 && p.wait_ms.is_infinite() && p.p_wait == 1.0);
    let exact = predict(200.0, 100.0, 2);
    assert!(exact.wait_ms.is_infinite());
}

#[test]
fn no_workers_and_no_arrivals_are_edge_cases_not_panics() {
    let none = predict(100.0, 100.0, 0);
    assert!(none.utilization.is_infinite() && none.wait_ms.is_infinite());
    let idle = predict(0.0, 100.0, 3);
    assert_eq!(
        (idle.utilization, idle.p_wait, idle.wait_ms),
        (0.0, 0.0, 0.0)
    );
    assert_eq!(erlang_c(0, 1.0), 1.0);
    assert_eq!(erlang_c(3, 0.0), 0.0);
    assert_eq!(utilization(0.0, 0.0, 0), 0.0);
}

#[test]
fn workers_needed_is_the_smallest_pool_under_0_8() {
    // a = 3.2: 4 workers give exactly 0.8, not under it; 5 give 0.64.
    assert_eq!(workers_needed(3200.0, 1000.0, 0.8), Some(5));
    assert_eq!(workers_needed(800.0, 250.0, 0.8), Some(5)); // a = 3.2
    assert_eq!(workers_needed(100.0, 1000.0, 0.8), Some(1));
    assert_eq!(workers_needed(0.0, 1000.0, 0.8), Some(1));
    assert_eq!(workers_needed(100.0, 0.0, 0.8), None);
    for (lambda, mu) in [(800.0, 250.0), (1234.0, 77.0), (5.0, 3.0)] {
        let c = workers_needed(lambda, mu, 0.8).unwrap();
        assert!(utilization(lambda, mu, c) < 0.8);
        assert!(c == 1 || utilization(lambda, mu, c - 1) >= 0.8);
    }
}

fn measured(lambda: f64, service_ms: f64, workers: usize) -> Measured {
    Measured {
        arrival_rate: lambda,
        service_ms,
        wait_ms: 1.0,
        workers,
        busy: 0.5,
        queue_capacity: Some(256),
        queue_len: 56,
        items_in_stage: None,
        queue_len_mean: None,
        source_rate: None,
    }
}

#[test]
fn a_saturated_stage_says_how_fast_its_queue_fills() {
    // 800/s into 2 workers of 4 ms: capacity 500/s, growth 300/s.
    let t = StageTheory::new(measured(800.0, 4.0, 2), Ok(()));
    assert!(t.saturated && close(t.utilization, 1.6, 1e-12));
    assert!(close(t.queue_growth_per_s.unwrap(), 300.0, 1e-9));
    // 200 free slots at 300/s.
    assert!(close(t.queue_full_in_s.unwrap(), 200.0 / 300.0, 1e-9));
    assert_eq!(t.wait_ms_predicted, None);
    assert!(t.model_note.unwrap().contains("ρ ≥ 1"));
    assert_eq!(t.workers_needed, Some(5));
}

#[test]
fn littles_law_uses_wait_plus_service() {
    let t = StageTheory::new(measured(800.0, 1.0, 1), Err("not M/M/c".into()));
    // W = 1 ms wait + 1 ms service; L = 800/s × 2 ms = 1.6.
    assert!(close(t.items_in_stage, 1.6, 1e-12));
    assert!(close(t.offered_load, 0.8, 1e-12));
    assert_eq!(t.model, None);
    assert_eq!(t.model_note.as_deref(), Some("not M/M/c"));
    assert!(!t.saturated && t.queue_growth_per_s.is_none());
}

#[test]
fn an_mmc_stage_gets_erlang_c() {
    let t = StageTheory::new(measured(800.0, 1.0, 1), Ok(()));
    assert_eq!(t.model.as_deref(), Some("M/M/c"));
    assert!(close(t.wait_ms_predicted.unwrap(), 4.0, 1e-9));
    assert!(close(t.queue_len_predicted.unwrap(), 3.2, 1e-9));
}

#[test]
fn a_stage_held_at_capacity_is_saturated_at_the_sources_rate() {
    // Upstream blocks: 500/s measured into 2 × 4 ms (ρ = 1.0), 800/s offered.
    let m = Measured {
        source_rate: Some(800.0),
        ..measured(500.0, 4.0, 2)
    };
    let t = StageTheory::new(m, Ok(()));
    assert!(t.saturated && t.offered_rate == Some(800.0), "{t:?}");
    assert!(close(t.queue_growth_per_s.unwrap(), 300.0, 1e-9));
    // 800/s at 250/s per worker: a = 3.2, so 5 workers for ρ < 0.8.
    assert_eq!(t.workers_needed, Some(5));
    // Below capacity the source's rate is not the stage's demand.
    let calm = StageTheory::new(
        Measured {
            source_rate: Some(800.0),
            ..measured(300.0, 4.0, 2)
        },
        Ok(()),
    );
    assert!(!calm.saturated && calm.offered_rate.is_none());
    assert_eq!(calm.workers_needed, Some(2));
}

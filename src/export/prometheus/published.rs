//! What `/metrics` serves: the newest snapshot, the latency histograms
//! accumulated over every snapshot so far, and the exposition built from
//! them, kept until the next snapshot so that many scrapes in one tick
//! encode once per format.

use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;

use super::classic_text::to_classic_text;
use super::encode::encode_with;
use super::histogram::Histograms;
use crate::metrics::Snapshot;

/// The text formats a scrape can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OpenMetrics 1.0 (what Prometheus asks for).
    OpenMetrics,
    /// The classic Prometheus text format 0.0.4 (curl, promtool).
    ClassicText,
}

impl Format {
    fn slot(self) -> usize {
        match self {
            Self::OpenMetrics => 0,
            Self::ClassicText => 1,
        }
    }
}

/// Shared between the run (which publishes) and the exporter thread (which
/// reads); the lock is held for copies of pointers, never while encoding.
#[derive(Debug, Default)]
pub struct Published {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    snapshot: Option<Arc<Snapshot>>,
    histograms: Arc<Histograms>,
    /// Which publication the cached expositions belong to.
    generation: u64,
    cache: [Option<Bytes>; 2],
}

impl Published {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `snapshot` the one served, adding what it recorded to the
    /// histograms. Every snapshot of a run must pass here, in order.
    pub fn publish(&self, snapshot: &Arc<Snapshot>) {
        let mut inner = self.lock();
        Arc::make_mut(&mut inner.histograms).add(snapshot);
        inner.snapshot = Some(snapshot.clone());
        inner.generation += 1;
        inner.cache = [None, None];
    }

    /// The exposition of the newest snapshot in `format`.
    pub fn exposition(&self, format: Format) -> Bytes {
        let (snapshot, histograms, generation) = {
            let inner = self.lock();
            if let Some(body) = &inner.cache[format.slot()] {
                return body.clone();
            }
            (
                inner.snapshot.clone(),
                inner.histograms.clone(),
                inner.generation,
            )
        };
        let openmetrics = encode_with(snapshot.as_deref(), &histograms);
        let body = Bytes::from(match format {
            Format::OpenMetrics => openmetrics,
            Format::ClassicText => to_classic_text(&openmetrics),
        });
        let mut inner = self.lock();
        if inner.generation == generation {
            inner.cache[format.slot()] = Some(body.clone());
        }
        body
    }
}

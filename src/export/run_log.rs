//! Follows a run's snapshots for the outputs it must leave behind: the series
//! and the Prometheus endpoint as it goes; at the end the recording and the
//! report, with every event of the run.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use super::prometheus::Exporter;
use super::recording;
use super::report::Report;
use super::series::SeriesWriter;
use crate::engine::Event;
use crate::metrics::Snapshot;
use crate::session::{SessionInfo, SessionOptions, SnapshotObserver};

/// Keeps what a run's outputs need while the run goes on.
pub struct RunLog {
    series: Option<SeriesWriter>,
    report: Option<PathBuf>,
    record: Option<PathBuf>,
    events: Vec<Event>,
    last: Option<Arc<Snapshot>>,
    observer: Option<SnapshotObserver>,
    /// Serves `/metrics` until the log is finished or dropped.
    exporter: Option<Exporter>,
}

impl RunLog {
    /// Opens the series file and starts the Prometheus exporter, if asked
    /// for, before the run starts; `observer` sees every snapshot recorded.
    /// A `/metrics` address that cannot be bound is an
    /// [`super::prometheus::BindError`] (bad input, not a runtime failure).
    pub fn new(
        options: &SessionOptions,
        observer: Option<SnapshotObserver>,
    ) -> anyhow::Result<Self> {
        let exporter = options.prometheus.map(Exporter::bind).transpose()?;
        if let Some(exporter) = &exporter {
            eprintln!(
                "pipetop: serving /metrics on http://{}/metrics",
                exporter.addr()
            );
        }
        Ok(Self {
            series: options
                .series
                .as_deref()
                .map(SeriesWriter::create)
                .transpose()?,
            report: options.report.clone(),
            record: options.record.clone(),
            events: Vec::new(),
            last: None,
            observer,
            exporter,
        })
    }

    /// Takes in one snapshot: hands it to the observer, appends it to the
    /// series, publishes it on `/metrics`, and keeps its events for the report.
    pub fn record(&mut self, snapshot: &Arc<Snapshot>) -> anyhow::Result<()> {
        if let Some(observer) = &mut self.observer {
            observer(snapshot)?;
        }
        if let Some(series) = &mut self.series {
            series.write(snapshot)?;
        }
        if let Some(exporter) = &self.exporter {
            exporter.publish(snapshot);
        }
        self.events.extend(snapshot.events.iter().cloned());
        self.last = Some(snapshot.clone());
        Ok(())
    }

    /// Every event so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The latest snapshot.
    pub fn last(&self) -> Option<&Arc<Snapshot>> {
        self.last.as_ref()
    }

    /// Closes the series, writes the recording and the report; returns the
    /// report (an error if the run ended before its first snapshot).
    /// The exporter stops here: the run is over.
    pub fn finish(mut self, info: &SessionInfo) -> anyhow::Result<Report> {
        drop(self.exporter.take());
        if let Some(series) = self.series {
            series.finish()?;
        }
        if let Some(path) = &self.record {
            recording::write(path, info, &self.events)?;
        }
        let last = self
            .last
            .context("the run ended before its first snapshot")?;
        let report = Report::new(info, &last, self.events);
        if let Some(path) = &self.report {
            let json = serde_json::to_string_pretty(&report)?;
            std::fs::write(path, json + "\n")
                .with_context(|| format!("cannot write the report {}", path.display()))?;
        }
        Ok(report)
    }
}

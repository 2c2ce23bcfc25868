//! Follows a run's snapshots for the files it must leave behind: the series
//! as it goes; at the end the recording and the report, with every event of
//! the run.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

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
}

impl RunLog {
    /// Opens the series file, if any, before the run starts; `observer`
    /// sees every snapshot recorded.
    pub fn new(
        options: &SessionOptions,
        observer: Option<SnapshotObserver>,
    ) -> anyhow::Result<Self> {
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
        })
    }

    pub fn record(&mut self, snapshot: &Arc<Snapshot>) -> anyhow::Result<()> {
        if let Some(observer) = &mut self.observer {
            observer(snapshot)?;
        }
        if let Some(series) = &mut self.series {
            series.write(snapshot)?;
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

    /// Closes the series, writes the recording and the report; returns the report.
    pub fn finish(self, info: &SessionInfo) -> anyhow::Result<Option<Report>> {
        if let Some(series) = self.series {
            series.finish()?;
        }
        if let Some(path) = &self.record {
            recording::write(path, info, &self.events)?;
        }
        let Some(last) = self.last else {
            return Ok(None);
        };
        let report = Report::new(info, &last, self.events);
        if let Some(path) = &self.report {
            let json = serde_json::to_string_pretty(&report)?;
            std::fs::write(path, json + "\n")
                .with_context(|| format!("cannot write the report {}", path.display()))?;
        }
        Ok(Some(report))
    }
}

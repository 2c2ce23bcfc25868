//! Follows a run's snapshots for the outputs it must leave behind: the series,
//! the HdrHistogram interval log and the Prometheus endpoint as it goes; at the end the recording and the
//! report, with every event of the run.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::hlog::HlogWriter;
use super::output_file::{self, OutputError, OutputFile};
use super::prometheus::Exporter;
use super::recording;
use super::report::Report;
use super::series::SeriesWriter;
use crate::metrics::Snapshot;
use crate::model::{Event, EventKind};
use crate::session::{SessionInfo, SessionOptions, SnapshotObserver};

/// Keeps what a run's outputs need while the run goes on.
pub struct RunLog {
    series: Option<SeriesWriter>,
    hlog: Option<HlogWriter>,
    report: Option<OutputFile>,
    record: Option<OutputFile>,
    /// The run length the options set, which the recording must keep.
    duration: Option<Duration>,
    events: Vec<Event>,
    last: Option<Arc<Snapshot>>,
    observer: Option<SnapshotObserver>,
    /// Serves `/metrics` until the log is finished or dropped.
    exporter: Option<Exporter>,
}

impl RunLog {
    /// Claims the output files and starts the Prometheus exporter, if asked
    /// for, before `info`'s run starts; `observer` sees every snapshot
    /// recorded. A path that cannot be written is an [`OutputError`], and a
    /// `/metrics` address that cannot be bound a
    /// [`super::prometheus::BindError`]: bad usage, not runtime failures.
    pub fn new(
        options: &SessionOptions,
        info: &SessionInfo,
        observer: Option<SnapshotObserver>,
    ) -> anyhow::Result<Self> {
        if let (Some(path), None) = (&options.record, &info.spec) {
            return Err(OutputError {
                what: "recording",
                path: path.clone(),
                reason: recording::NEEDS_A_SCENARIO.into(),
            }
            .into());
        }
        let outputs: Vec<(&'static str, &std::path::Path)> = [
            ("report", &options.report),
            ("series", &options.series),
            ("hlog", &options.hlog),
            ("recording", &options.record),
            ("screenshot", &options.screenshot),
        ]
        .into_iter()
        .filter_map(|(what, path)| path.as_deref().map(|p| (what, p)))
        .collect();
        output_file::refuse_collisions(&outputs, options.input.as_deref())?;
        let claim = |what, path: &Option<_>| path.as_deref().map(|p| OutputFile::claim(what, p));
        let report = claim("report", &options.report).transpose()?;
        let record = claim("recording", &options.record).transpose()?;
        let exporter = options.prometheus.map(Exporter::bind).transpose()?;
        if let Some(exporter) = &exporter {
            crate::stderr::note(format!(
                "pipetop: serving /metrics on http://{}/metrics",
                exporter.addr()
            ));
            if let Some(warning) = super::prometheus::exposure_warning(exporter.addr()) {
                crate::stderr::note(warning);
            }
        }
        Ok(Self {
            series: options
                .series
                .as_deref()
                .map(|path| SeriesWriter::create(path, info, options.tick))
                .transpose()?,
            hlog: options
                .hlog
                .as_deref()
                .map(HlogWriter::create)
                .transpose()?,
            report,
            record,
            duration: options.duration,
            events: Vec::new(),
            last: None,
            observer,
            exporter,
        })
    }

    /// Takes in one snapshot: hands it to the observer, appends it to the
    /// series and the interval log, publishes it on `/metrics`, and keeps
    /// its events for the report.
    pub fn record(&mut self, snapshot: &Arc<Snapshot>) -> anyhow::Result<()> {
        if let Some(observer) = &mut self.observer {
            observer(snapshot)?;
        }
        if let Some(series) = &mut self.series
            && let Err(e) = series.write(snapshot)
        {
            self.output_failed("series", &e, snapshot.t_s);
            self.series = None;
        }
        if let Some(hlog) = &mut self.hlog
            && let Err(e) = hlog.write(snapshot)
        {
            self.output_failed("hlog", &e, snapshot.t_s);
            self.hlog = None;
        }
        if let Some(exporter) = &self.exporter {
            exporter.publish(snapshot);
        }
        self.events.extend(snapshot.events.iter().cloned());
        self.last = Some(snapshot.clone());
        Ok(())
    }

    /// An output written as the run goes failed: the run goes on without
    /// it, and says so (on stderr and as an event).
    fn output_failed(&mut self, what: &str, error: &anyhow::Error, t_s: f64) {
        let error = format!("{error:#}");
        crate::stderr::note(format!(
            "pipetop: {error}; the run goes on without it (its lines so far are whole)"
        ));
        self.events.push(Event::new(
            t_s,
            EventKind::OutputFailed {
                what: what.into(),
                error,
            },
        ));
    }

    /// Every event so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The latest snapshot.
    pub fn last(&self) -> Option<&Arc<Snapshot>> {
        self.last.as_ref()
    }

    /// Writes the recording and the report (the series is already whole);
    /// returns the report (an error if the run ended before its first
    /// snapshot). `failure` says what failed, if the engine did: the report
    /// is marked with it. The exporter stops here: the run is over.
    pub fn finish(mut self, info: &SessionInfo, failure: Option<String>) -> anyhow::Result<Report> {
        drop(self.exporter.take());
        if let Some(file) = self.record {
            let ran = SessionInfo {
                duration: self.duration.or(info.duration),
                ..info.clone()
            };
            recording::write(file, &ran, &self.events)?;
        }
        let last = self
            .last
            .context("the run ended before its first snapshot")?;
        let report = Report {
            failure,
            ..Report::new(info, &last, self.events)
        };
        if let Some(file) = self.report {
            let json = serde_json::to_string_pretty(&report)? + "\n";
            file.replace_with(json.as_bytes())?;
        }
        Ok(report)
    }
}

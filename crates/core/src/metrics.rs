//! Per-stage counters and the run [`Summary`], returned by a pipeline and writable as JSON.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::error::Result;

/// Counters of one stage (or of the `source` / `sink` pseudo-stages).
///
/// Balance: `records_in + created == records_out + dropped + failed`, where `created` counts the
/// extra records a flat-map or a stateful `finish` emitted.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct StageMetrics {
    /// Stage name.
    pub name: String,
    /// `parallel`, `stateful`, `source` or `sink`.
    pub kind: String,
    /// Fingerprint (hex) of the stage config, empty for source and sink.
    pub fingerprint: String,
    /// Records that entered.
    pub records_in: u64,
    /// Records that left (kept, or emitted by a flat-map).
    pub records_out: u64,
    /// Records emitted beyond one per input (flat-map) or by `finish`.
    pub created: u64,
    /// Records dropped by the stage's decision.
    pub dropped: u64,
    /// Dropped records by reason.
    pub dropped_by_reason: BTreeMap<String, u64>,
    /// Records that failed with a record error.
    pub failed: u64,
    /// Failed records by error kind.
    pub failed_by_kind: BTreeMap<String, u64>,
    /// Approximate bytes of the records that entered (exact for `source` and `sink`; for stages,
    /// estimated from a sample of one record in eight).
    pub bytes_in: u64,
    /// Busy time summed over threads, in seconds (for stages, estimated from a sample of one
    /// record in eight).
    pub seconds: f64,
}

impl StageMetrics {
    /// Empty counters for a stage.
    pub fn new(
        name: impl Into<String>,
        kind: impl Into<String>,
        fingerprint: impl Into<String>,
    ) -> Self {
        StageMetrics {
            name: name.into(),
            kind: kind.into(),
            fingerprint: fingerprint.into(),
            ..Default::default()
        }
    }

    /// True when `records_in + created == records_out + dropped + failed`.
    pub fn is_balanced(&self) -> bool {
        self.records_in + self.created == self.records_out + self.dropped + self.failed
    }

    /// Adds another set of counters for the same stage.
    pub fn merge(&mut self, o: &StageMetrics) {
        self.records_in += o.records_in;
        self.records_out += o.records_out;
        self.created += o.created;
        self.dropped += o.dropped;
        self.failed += o.failed;
        self.bytes_in += o.bytes_in;
        self.seconds += o.seconds;
        for (k, v) in &o.dropped_by_reason {
            *self.dropped_by_reason.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.failed_by_kind {
            *self.failed_by_kind.entry(k.clone()).or_default() += v;
        }
    }

    /// Records throughput (`records_in / seconds`), 0 when no time was measured.
    pub fn records_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.records_in as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// What a pipeline run did, stage by stage.
///
/// Balance: `read + created == written + dropped + failed`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// Pipeline name.
    pub name: String,
    /// Fingerprint (hex) of the stage chain.
    pub fingerprint: String,
    /// Root seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Records per batch.
    pub batch_size: usize,
    /// Shard rank read.
    pub rank: usize,
    /// Shard count.
    pub world_size: usize,
    /// Items read from the source (including unreadable ones).
    pub read: u64,
    /// Records written to the sink.
    pub written: u64,
    /// Records dropped by a stage's decision.
    pub dropped: u64,
    /// Records that failed (source, stages and sink).
    pub failed: u64,
    /// Records created by flat-maps and `finish`.
    pub created: u64,
    /// Approximate bytes read.
    pub bytes_read: u64,
    /// Approximate bytes written.
    pub bytes_written: u64,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// Source, each stage in order, then sink.
    pub stages: Vec<StageMetrics>,
}

impl Summary {
    /// True when `read + created == written + dropped + failed` and every stage balances.
    pub fn is_balanced(&self) -> bool {
        self.read + self.created == self.written + self.dropped + self.failed
            && self.stages.iter().all(StageMetrics::is_balanced)
    }

    /// The metrics of a stage by name.
    pub fn stage(&self, name: &str) -> Option<&StageMetrics> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("summary serialises")
    }

    /// Writes pretty JSON to `path` atomically (temporary file, fsync, rename).
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) naming the path.
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::atomic::write_atomic(path.as_ref(), self.to_json().as_bytes())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<24} {:>10} {:>10} {:>10} {:>8} {:>9}  dropped by reason",
            "stage", "in", "out", "dropped", "failed", "seconds"
        )?;
        for s in &self.stages {
            let reasons: Vec<String> = s
                .dropped_by_reason
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .chain(
                    s.failed_by_kind
                        .iter()
                        .map(|(k, v)| format!("failed:{k}={v}")),
                )
                .collect();
            writeln!(
                f,
                "{:<24} {:>10} {:>10} {:>10} {:>8} {:>9.3}  {}",
                s.name,
                s.records_in,
                s.records_out,
                s.dropped,
                s.failed,
                s.seconds,
                reasons.join(" ")
            )?;
        }
        write!(
            f,
            "read {} = written {} + dropped {} + failed {}{} in {:.3} s",
            self.read,
            self.written,
            self.dropped,
            self.failed,
            if self.created > 0 {
                format!(" - created {}", self.created)
            } else {
                String::new()
            },
            self.wall_seconds
        )
    }
}

//! The [`Pipeline`]: source → stages → sink, parallel in bounded batches, deterministic.
//!
//! The pipeline reads a batch of records (default 1024), runs each run of consecutive [`Stage`]s
//! over the batch in parallel (rayon, in contiguous chunks whose results are merged in input
//! order), feeds [`StatefulStage`]s one record at a time in input order, and writes survivors in
//! input order. Memory is bounded by the batch size, and the output, the rejects and the counters
//! are the same for any thread count.
//!
//! ```
//! use dataprep_core::*;
//! let source = VecDataset::new(vec![
//!     Record::new().with("text", "a long enough text"),
//!     Record::new().with("text", "tiny"),
//! ]);
//! let min_len = FilterStage::new("min_len", (), |r: &mut Record, _: &Context| {
//!     Ok(if r.str("text")?.len() >= 10 { Decision::Keep } else { Decision::drop("too_short") })
//! });
//! let mut out = VecSink::default();
//! let summary = Pipeline::new(&source).stage(min_len).sink(&mut out).with_threads(2).run()?;
//! assert_eq!(out.records().len(), 1);
//! assert_eq!(summary.stage("min_len").unwrap().dropped_by_reason["too_short"], 1);
//! assert!(summary.is_balanced());
//! # Ok::<(), dataprep_core::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::dataset::{IterableDataset, Shard};
use crate::error::{Error, RecordError, Result};
use crate::metrics::{StageMetrics, Summary};
use crate::record::Record;
use crate::stage::{Action, Context, Fingerprint, Stage, StatefulStage};
use crate::value::Value;

/// Where records go: the main output, the rejects (failed records) or the dropped records.
pub trait Sink: Send {
    /// Writes one record.
    ///
    /// # Errors
    /// An [`Error::Record`] rejects this record only (counted as failed in the `sink` stage);
    /// any other error is fatal.
    fn write(&mut self, record: Record) -> Result<()>;

    /// Flushes and closes the output (for files: fsync and rename into place).
    ///
    /// # Errors
    /// A fatal error.
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn write(&mut self, record: Record) -> Result<()> {
        (**self).write(record)
    }
    fn finish(&mut self) -> Result<()> {
        (**self).finish()
    }
}

impl<S: Sink + ?Sized> Sink for Box<S> {
    fn write(&mut self, record: Record) -> Result<()> {
        (**self).write(record)
    }
    fn finish(&mut self) -> Result<()> {
        (**self).finish()
    }
}

/// A sink that keeps records in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VecSink {
    records: Vec<Record>,
}

impl VecSink {
    /// The records written so far.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Takes the records out.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }
}

impl Sink for VecSink {
    fn write(&mut self, record: Record) -> Result<()> {
        self.records.push(record);
        Ok(())
    }
}

/// A sink that discards records (the counts are in the summary).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSink;

impl Sink for NullSink {
    fn write(&mut self, _record: Record) -> Result<()> {
        Ok(())
    }
}

/// A sink that writes every record to several sinks, in the order they were added (a copy to
/// each but the last, which takes the record itself).
///
/// Every sink sees every record, even when one before it rejected it: each output holds what its
/// sink accepts. The first error is returned, so a record rejected by any sink counts as failed
/// in the pipeline's `sink` stage; a fatal error stops at once. `finish` finishes every sink,
/// whatever happens to the others, and returns the first error.
///
/// ```
/// use dataprep_core::{Pipeline, Record, Tee, VecDataset, VecSink};
/// let src = VecDataset::new(vec![Record::new().with("x", 1i64), Record::new().with("x", 2i64)]);
/// let (mut a, mut b) = (VecSink::default(), VecSink::default());
/// let summary = Pipeline::new(&src).sink(Tee::new().with(&mut a).with(&mut b)).run()?;
/// assert_eq!((a.records().len(), b.records().len(), summary.written), (2, 2, 2));
/// # Ok::<(), dataprep_core::Error>(())
/// ```
#[derive(Default)]
pub struct Tee<'a> {
    sinks: Vec<Box<dyn Sink + 'a>>,
}

impl<'a> Tee<'a> {
    /// A tee with no sink yet (it discards records until one is added).
    pub fn new() -> Self {
        Tee { sinks: Vec::new() }
    }

    /// Adds a sink after the others.
    #[must_use]
    pub fn with(mut self, sink: impl Sink + 'a) -> Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// The number of sinks.
    pub fn len(&self) -> usize {
        self.sinks.len()
    }

    /// True when no sink was added.
    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }
}

impl std::fmt::Debug for Tee<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tee")
            .field("sinks", &self.sinks.len())
            .finish()
    }
}

impl Sink for Tee<'_> {
    fn write(&mut self, record: Record) -> Result<()> {
        let Some((last, others)) = self.sinks.split_last_mut() else {
            return Ok(());
        };
        let mut first_err = None;
        let mut note = |r: Result<()>| match r {
            Err(e) if !e.is_record() => Err(e),
            Err(e) => {
                first_err.get_or_insert(e);
                Ok(())
            }
            Ok(()) => Ok(()),
        };
        for sink in others {
            note(sink.write(record.clone()))?;
        }
        note(last.write(record))?;
        first_err.map_or(Ok(()), Err)
    }

    fn finish(&mut self) -> Result<()> {
        let mut first_err = None;
        for sink in &mut self.sinks {
            if let Err(e) = sink.finish() {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

/// How many failed records a run tolerates before it stops with [`Error::BudgetExceeded`].
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ErrorBudget {
    /// At most this many failed records.
    pub max_failed: Option<u64>,
    /// At most this fraction of the records read failed; checked after each batch once 1000
    /// records have been read, and at the end.
    pub max_fraction: Option<f64>,
}

impl ErrorBudget {
    /// No limit.
    pub fn unlimited() -> Self {
        ErrorBudget::default()
    }

    /// At most `n` failed records.
    pub fn count(n: u64) -> Self {
        ErrorBudget {
            max_failed: Some(n),
            max_fraction: None,
        }
    }

    /// At most this fraction of the records read.
    pub fn fraction(f: f64) -> Self {
        ErrorBudget {
            max_failed: None,
            max_fraction: Some(f),
        }
    }

    fn describe(&self) -> String {
        match (self.max_failed, self.max_fraction) {
            (Some(n), Some(f)) => format!("{n} records or {f} of read"),
            (Some(n), None) => format!("{n} records"),
            (None, Some(f)) => format!("{f} of read"),
            (None, None) => "unlimited".into(),
        }
    }
}

/// What to do with a record that fails.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ErrorPolicy {
    /// Stop the job at the first failed record, returning its error.
    FailFast,
    /// Count and log failed records, and go on within the budget.
    Skip(ErrorBudget),
    /// Like `Skip`, and write each failed record to the rejects sink with its stage and reason.
    Quarantine(ErrorBudget),
}

impl Default for ErrorPolicy {
    /// Quarantine with no limit: bad input never stops a long job.
    fn default() -> Self {
        ErrorPolicy::Quarantine(ErrorBudget::unlimited())
    }
}

impl ErrorPolicy {
    fn budget(&self) -> ErrorBudget {
        match self {
            ErrorPolicy::FailFast => ErrorBudget::count(0),
            ErrorPolicy::Skip(b) | ErrorPolicy::Quarantine(b) => *b,
        }
    }
}

/// Field names added to records written to the rejects and dropped sinks.
pub mod reject_fields {
    /// The stage (`source`, a stage name, or `sink`).
    pub const STAGE: &str = "_reject_stage";
    /// `dropped` or `failed`.
    pub const KIND: &str = "_reject_kind";
    /// The drop reason, or the error message with its location.
    pub const REASON: &str = "_reject_reason";
    /// The record key.
    pub const KEY: &str = "_reject_key";
}

enum Step<'a> {
    Parallel(Box<dyn Stage + 'a>),
    Stateful(Box<dyn StatefulStage + 'a>),
}

impl Step<'_> {
    fn name(&self) -> &str {
        match self {
            Step::Parallel(s) => s.name(),
            Step::Stateful(s) => s.name(),
        }
    }
    fn fingerprint(&self) -> Fingerprint {
        match self {
            Step::Parallel(s) => s.fingerprint(),
            Step::Stateful(s) => s.fingerprint(),
        }
    }
}

/// A source, a chain of stages and a sink, with run settings. Build it by value, then [`run`].
///
/// [`run`]: Pipeline::run
pub struct Pipeline<'a> {
    name: String,
    source: Box<dyn IterableDataset + 'a>,
    steps: Vec<Step<'a>>,
    sink: Option<Box<dyn Sink + 'a>>,
    rejects: Option<Box<dyn Sink + 'a>>,
    dropped: Option<Box<dyn Sink + 'a>>,
    threads: Option<usize>,
    batch_size: usize,
    seed: u64,
    shard: Shard,
    policy: ErrorPolicy,
    progress: bool,
}

impl std::fmt::Debug for Pipeline<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("name", &self.name)
            .field(
                "stages",
                &self.steps.iter().map(Step::name).collect::<Vec<_>>(),
            )
            .field("threads", &self.threads)
            .field("batch_size", &self.batch_size)
            .field("seed", &self.seed)
            .field("shard", &self.shard)
            .field("policy", &self.policy)
            .finish()
    }
}

impl<'a> Pipeline<'a> {
    /// A pipeline reading `source`, with no stages and no sink yet.
    pub fn new(source: impl IterableDataset + 'a) -> Self {
        Pipeline {
            name: "pipeline".into(),
            source: Box::new(source),
            steps: Vec::new(),
            sink: None,
            rejects: None,
            dropped: None,
            threads: None,
            batch_size: 1024,
            seed: 0,
            shard: Shard::ALL,
            policy: ErrorPolicy::default(),
            progress: true,
        }
    }

    /// Appends a stateless stage (run in parallel over records).
    pub fn stage(mut self, stage: impl Stage + 'a) -> Self {
        self.steps.push(Step::Parallel(Box::new(stage)));
        self
    }

    /// Appends a boxed stateless stage.
    pub fn boxed_stage(mut self, stage: Box<dyn Stage + 'a>) -> Self {
        self.steps.push(Step::Parallel(stage));
        self
    }

    /// Appends a stateful stage (records in input order, one at a time).
    pub fn stateful(mut self, stage: impl StatefulStage + 'a) -> Self {
        self.steps.push(Step::Stateful(Box::new(stage)));
        self
    }

    /// Sets the output sink (without one, survivors are counted and discarded).
    pub fn sink(mut self, sink: impl Sink + 'a) -> Self {
        self.sink = Some(Box::new(sink));
        self
    }

    /// Sets the sink for failed records (used by [`ErrorPolicy::Quarantine`]).
    pub fn rejects(mut self, sink: impl Sink + 'a) -> Self {
        self.rejects = Some(Box::new(sink));
        self
    }

    /// Sets the sink for dropped records (datatrove's exclusion writer), with their scores.
    pub fn dropped(mut self, sink: impl Sink + 'a) -> Self {
        self.dropped = Some(Box::new(sink));
        self
    }

    /// Names the run (in the summary and logs).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Worker threads (default: rayon's global pool, one per core).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Records per batch: the bound on records in flight (default 1024).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Root seed for per-record randomness (default 0).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Reads only this shard of the source (for rank `r` of `n` workers).
    pub fn with_shard(mut self, shard: Shard) -> Self {
        self.shard = shard;
        self
    }

    /// The error policy (default: quarantine, no limit).
    pub fn with_error_policy(mut self, policy: ErrorPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Shows a progress bar on stderr when it is a terminal (default true).
    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// The fingerprint of the stage chain.
    pub fn fingerprint(&self) -> Fingerprint {
        let fps: Vec<Fingerprint> = self.steps.iter().map(Step::fingerprint).collect();
        Fingerprint::chain(&fps)
    }

    /// Runs the pipeline to the end of the source and returns the summary.
    ///
    /// # Errors
    /// A fatal error from the source or a sink, a failed record under [`ErrorPolicy::FailFast`],
    /// or [`Error::BudgetExceeded`].
    pub fn run(self) -> Result<Summary> {
        let pool = match self.threads {
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("dataprep-{i}"))
                    .build()
                    .map_err(|e| Error::other("starting worker threads", e))?,
            ),
            None => None,
        };
        match &pool {
            Some(p) => p.install(|| Runner::new(self).run()),
            None => Runner::new(self).run(),
        }
    }
}

/// Per-chunk results of a run of parallel stages, merged in input order.
struct Acc {
    out: Vec<Record>,
    metrics: Vec<Counters>,
    events: Vec<Event>,
}

#[derive(Default)]
struct Counters {
    records_in: u64,
    records_out: u64,
    created: u64,
    dropped: u64,
    failed: u64,
    sampled: u64,
    bytes_in: u64,
    busy: Duration,
    dropped_by_reason: BTreeMap<Cow<'static, str>, u64>,
    failed_by_kind: BTreeMap<String, u64>,
}

/// Sampled bytes and busy time of one stage.
#[derive(Default, Clone, Copy)]
struct Sample {
    records: u64,
    bytes: u64,
    busy: Duration,
}

enum Event {
    Dropped {
        stage: usize,
        reason: Cow<'static, str>,
        record: Option<Record>,
    },
    Failed {
        stage: usize,
        error: RecordError,
        record: Option<Record>,
    },
}

/// About one record in eight (2^(64 - `SAMPLE_SHIFT`)) is timed and sized; busy time and bytes are scaled up from the
/// sample. Reading the clock and walking a record cost about as much as a trivial stage, so
/// measuring every call would make the metrics the main cost of cheap stages.
const SAMPLE_SHIFT: u32 = 61;

impl Counters {
    /// Counts a record entering the stage and runs `f` on it, timing and sizing about one record in
    /// eight. The choice hangs on the record's position in the batch (`pos`), not on the
    /// chunking, so the byte estimate is the same for every thread count.
    #[inline]
    fn timed<T>(&mut self, rec: &mut Record, pos: u64, f: impl FnOnce(&mut Record) -> T) -> T {
        let sample = pos.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> SAMPLE_SHIFT == 0;
        self.records_in += 1;
        if !sample {
            return f(rec);
        }
        self.sampled += 1;
        self.bytes_in += rec.approx_size() as u64;
        let t = Instant::now();
        let out = f(rec);
        self.busy += t.elapsed();
        out
    }

    /// Adds the exact counters to `m` and the samples to `sample` (scaled up once, at the end).
    fn add_to(&self, m: &mut StageMetrics, sample: &mut Sample) {
        sample.records += self.sampled;
        sample.bytes += self.bytes_in;
        sample.busy += self.busy;
        m.records_in += self.records_in;
        m.records_out += self.records_out;
        m.created += self.created;
        m.dropped += self.dropped;
        m.failed += self.failed;
        for (k, v) in &self.dropped_by_reason {
            *m.dropped_by_reason.entry(k.to_string()).or_default() += v;
        }
        for (k, v) in &self.failed_by_kind {
            *m.failed_by_kind.entry(k.clone()).or_default() += v;
        }
    }
}

struct Runner<'a> {
    p: Pipeline<'a>,
    contexts: Vec<Context>,
    summary: Summary,
    keep_dropped: bool,
    keep_failed: bool,
    last_error: Option<RecordError>,
    samples: Vec<Sample>,
}

const SOURCE: usize = usize::MAX;
const SINK: usize = usize::MAX - 1;

impl<'a> Runner<'a> {
    fn new(p: Pipeline<'a>) -> Self {
        let contexts = p
            .steps
            .iter()
            .map(|s| Context::new(s.name(), p.seed))
            .collect();
        let mut stages = vec![StageMetrics::new("source", "source", "")];
        for s in &p.steps {
            let kind = if matches!(s, Step::Parallel(_)) {
                "parallel"
            } else {
                "stateful"
            };
            stages.push(StageMetrics::new(s.name(), kind, s.fingerprint().to_hex()));
        }
        stages.push(StageMetrics::new("sink", "sink", ""));
        let summary = Summary {
            name: p.name.clone(),
            fingerprint: p.fingerprint().to_hex(),
            seed: p.seed,
            threads: rayon::current_num_threads(),
            batch_size: p.batch_size,
            rank: p.shard.rank,
            world_size: p.shard.world_size,
            stages,
            ..Default::default()
        };
        let keep_dropped = p.dropped.is_some();
        let n_steps = p.steps.len();
        let keep_failed = p.rejects.is_some() && matches!(p.policy, ErrorPolicy::Quarantine(_));
        Runner {
            p,
            contexts,
            summary,
            keep_dropped,
            keep_failed,
            last_error: None,
            samples: vec![Sample::default(); n_steps],
        }
    }

    fn metrics(&mut self, stage: usize) -> &mut StageMetrics {
        let n = self.summary.stages.len();
        match stage {
            SOURCE => &mut self.summary.stages[0],
            SINK => &mut self.summary.stages[n - 1],
            i => &mut self.summary.stages[i + 1],
        }
    }

    fn stage_name(&self, stage: usize) -> String {
        match stage {
            SOURCE => "source".into(),
            SINK => "sink".into(),
            i => self.p.steps[i].name().to_owned(),
        }
    }

    fn run(mut self) -> Result<Summary> {
        let start = Instant::now();
        let span = tracing::info_span!("pipeline", name = %self.p.name);
        let _enter = span.enter();
        let bar = self.progress_bar();
        let source = std::mem::replace(
            &mut self.p.source,
            Box::new(crate::dataset::VecDataset::default()),
        );
        let mut stream = source.open(self.p.shard)?;
        let mut ordinal: u64 = 0;
        let mut done = false;
        while !done {
            let mut batch = Vec::with_capacity(self.p.batch_size);
            while batch.len() < self.p.batch_size {
                let Some(item) = stream.next() else {
                    done = true;
                    break;
                };
                let i = ordinal;
                ordinal += 1;
                self.summary.read += 1;
                match item {
                    Ok(mut rec) => {
                        if rec.key().is_empty() {
                            rec.set_key(i.to_string());
                        }
                        let m = &mut self.summary.stages[0];
                        m.records_in += 1;
                        m.records_out += 1;
                        let size = rec.approx_size() as u64;
                        m.bytes_in += size;
                        self.summary.bytes_read += size;
                        batch.push(rec);
                    }
                    Err(Error::Record(e)) => {
                        self.metrics(SOURCE).records_in += 1;
                        let key = e.key.clone().unwrap_or_else(|| i.to_string());
                        self.fail(SOURCE, *e, Some(Record::new().with_key(key)))?;
                    }
                    Err(fatal) => return Err(fatal),
                }
            }
            bar.inc(batch.len() as u64);
            let out = self.process(batch, 0)?;
            self.write_out(out)?;
            self.check_fraction(false)?;
        }
        drop(stream);
        // Stateful stages may hold records back: flush them through the rest of the chain.
        for i in 0..self.p.steps.len() {
            let emitted = match &mut self.p.steps[i] {
                Step::Stateful(s) => s.finish(&self.contexts[i])?,
                Step::Parallel(_) => continue,
            };
            let m = self.metrics(i);
            m.created += emitted.len() as u64;
            m.records_out += emitted.len() as u64;
            let out = self.process(emitted, i + 1)?;
            self.write_out(out)?;
        }
        for sink in [&mut self.p.sink, &mut self.p.rejects, &mut self.p.dropped]
            .into_iter()
            .flatten()
        {
            sink.finish()?;
        }
        self.check_fraction(true)?;
        bar.finish_and_clear();
        for (m, sample) in self.summary.stages[1..].iter_mut().zip(&self.samples) {
            if sample.records > 0 {
                let scale = m.records_in as f64 / sample.records as f64;
                m.bytes_in = (sample.bytes as f64 * scale).round() as u64;
                m.seconds = sample.busy.as_secs_f64() * scale;
            }
        }
        self.summary.created = self.summary.stages.iter().map(|s| s.created).sum();
        self.summary.wall_seconds = start.elapsed().as_secs_f64();
        for s in &self.summary.stages {
            tracing::info!(
                stage = %s.name, records_in = s.records_in, records_out = s.records_out,
                dropped = s.dropped, failed = s.failed, seconds = s.seconds, "stage done"
            );
        }
        Ok(self.summary)
    }

    fn progress_bar(&self) -> indicatif::ProgressBar {
        if !self.p.progress || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = match self.p.source.len_hint() {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {msg} {pos}/{len} records [{elapsed_precise}] {per_sec}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(self.p.name.clone());
        bar
    }

    /// Runs `batch` through steps `from..`, in order; returns the survivors in input order.
    fn process(&mut self, mut batch: Vec<Record>, from: usize) -> Result<Vec<Record>> {
        let mut i = from;
        while i < self.p.steps.len() && !batch.is_empty() {
            if let Step::Stateful(_) = self.p.steps[i] {
                batch = self.run_stateful(i, batch)?;
                i += 1;
                continue;
            }
            let end = (i..self.p.steps.len())
                .find(|&j| matches!(self.p.steps[j], Step::Stateful(_)))
                .unwrap_or(self.p.steps.len());
            batch = self.run_parallel(i..end, batch)?;
            i = end;
        }
        Ok(batch)
    }

    fn run_parallel(
        &mut self,
        range: std::ops::Range<usize>,
        batch: Vec<Record>,
    ) -> Result<Vec<Record>> {
        let stages: Vec<(&dyn Stage, &Context)> = range
            .clone()
            .map(|i| match &self.p.steps[i] {
                Step::Parallel(s) => (s.as_ref(), &self.contexts[i]),
                Step::Stateful(_) => unreachable!("range holds parallel stages only"),
            })
            .collect();
        let threads = rayon::current_num_threads();
        let chunk = batch.len().div_ceil(threads * 4).max(1);
        let (keep_dropped, keep_failed) = (self.keep_dropped, self.keep_failed);
        let first = range.start;
        let mut chunks: Vec<(u64, Vec<Record>)> = Vec::with_capacity(batch.len() / chunk + 1);
        let mut it = batch.into_iter().peekable();
        let mut start = 0u64;
        while it.peek().is_some() {
            let recs: Vec<Record> = it.by_ref().take(chunk).collect();
            let n = recs.len() as u64;
            chunks.push((start, recs));
            start += n;
        }
        let results: Vec<Acc> = chunks
            .into_par_iter()
            .map(|(start, recs)| {
                let mut acc = Acc {
                    out: Vec::with_capacity(recs.len()),
                    metrics: stages.iter().map(|_| Counters::default()).collect(),
                    events: Vec::new(),
                };
                for (i, r) in recs.into_iter().enumerate() {
                    let pos = start + i as u64;
                    run_chain(
                        &stages,
                        0,
                        first,
                        pos,
                        r,
                        &mut acc,
                        keep_dropped,
                        keep_failed,
                    );
                }
                acc
            })
            .collect();
        let mut out = Vec::new();
        for acc in results {
            for (j, c) in acc.metrics.iter().enumerate() {
                c.add_to(
                    &mut self.summary.stages[first + j + 1],
                    &mut self.samples[first + j],
                );
            }
            out.extend(acc.out);
            for ev in acc.events {
                self.handle(ev)?;
            }
        }
        Ok(out)
    }

    fn run_stateful(&mut self, i: usize, batch: Vec<Record>) -> Result<Vec<Record>> {
        let mut out = Vec::with_capacity(batch.len());
        let mut c = Counters::default();
        let mut events = Vec::new();
        let Step::Stateful(stage) = &mut self.p.steps[i] else {
            unreachable!()
        };
        let cx = &self.contexts[i];
        for (pos, mut rec) in batch.into_iter().enumerate() {
            let res = c.timed(&mut rec, pos as u64, |r| stage.process(r, cx));
            match res {
                Ok(Action::Keep) => {
                    c.records_out += 1;
                    out.push(rec);
                }
                Ok(Action::Replace(recs)) if !recs.is_empty() => {
                    c.records_out += recs.len() as u64;
                    c.created += recs.len() as u64 - 1;
                    out.extend(keyed_children(rec.key(), recs));
                }
                Ok(Action::Replace(_)) => {
                    events.push(drop_event(
                        &mut c,
                        i,
                        Cow::Borrowed("empty"),
                        rec,
                        self.keep_dropped,
                    ));
                }
                Ok(Action::Drop(reason)) => {
                    events.push(drop_event(&mut c, i, reason, rec, self.keep_dropped));
                }
                Err(e) => events.push(fail_event(&mut c, i, e, rec, self.keep_failed)),
            }
        }
        c.add_to(&mut self.summary.stages[i + 1], &mut self.samples[i]);
        for ev in events {
            self.handle(ev)?;
        }
        Ok(out)
    }

    fn handle(&mut self, ev: Event) -> Result<()> {
        match ev {
            Event::Dropped {
                stage,
                reason,
                record,
            } => {
                self.summary.dropped += 1;
                if let (Some(sink), Some(mut rec)) = (self.p.dropped.as_mut(), record) {
                    let name = match stage {
                        SOURCE => "source".to_owned(),
                        i => self.p.steps[i].name().to_owned(),
                    };
                    annotate(&mut rec, &name, "dropped", &reason);
                    sink.write(rec)?;
                }
                Ok(())
            }
            Event::Failed {
                stage,
                error,
                record,
            } => self.fail_counted(stage, error, record),
        }
    }

    /// A failure not yet counted in the stage metrics (source and sink).
    fn fail(&mut self, stage: usize, error: RecordError, record: Option<Record>) -> Result<()> {
        let m = self.metrics(stage);
        m.failed += 1;
        *m.failed_by_kind.entry(error.kind.to_string()).or_default() += 1;
        self.fail_counted(stage, error, record)
    }

    fn fail_counted(
        &mut self,
        stage: usize,
        mut error: RecordError,
        record: Option<Record>,
    ) -> Result<()> {
        self.summary.failed += 1;
        let name = self.stage_name(stage);
        if error.stage.is_none() {
            error.stage = Some(name.clone());
        }
        if error.key.is_none() {
            error.key = record.as_ref().map(|r| r.key().to_owned());
        }
        if self.summary.failed <= 10 {
            tracing::warn!(stage = %name, "record failed: {error}");
        } else {
            tracing::debug!(stage = %name, "record failed: {error}");
        }
        let budget = self.p.policy.budget();
        if budget
            .max_failed
            .is_some_and(|max| self.summary.failed > max)
        {
            if matches!(self.p.policy, ErrorPolicy::FailFast) {
                return Err(error.into());
            }
            return Err(Error::BudgetExceeded {
                failed: self.summary.failed,
                budget: budget.describe(),
                last: Box::new(error),
            });
        }
        if let (true, Some(sink)) = (
            matches!(self.p.policy, ErrorPolicy::Quarantine(_)),
            self.p.rejects.as_mut(),
        ) {
            let mut rec = record.unwrap_or_default();
            if rec.key().is_empty() {
                rec.set_key(error.key.clone().unwrap_or_default());
            }
            annotate(&mut rec, &name, "failed", &error.to_string());
            sink.write(rec).map_err(|e| match e {
                Error::Record(r) => Error::other("writing to the rejects sink", *r),
                other => other,
            })?;
        }
        self.last_error = Some(error);
        Ok(())
    }

    fn check_fraction(&mut self, at_end: bool) -> Result<()> {
        let budget = self.p.policy.budget();
        let Some(max) = budget.max_fraction else {
            return Ok(());
        };
        let read = self.summary.read;
        if (at_end || read >= 1000) && read > 0 && self.summary.failed as f64 > max * read as f64 {
            let last = self
                .last_error
                .take()
                .unwrap_or_else(|| RecordError::process("(no detail)"));
            return Err(Error::BudgetExceeded {
                failed: self.summary.failed,
                budget: budget.describe(),
                last: Box::new(last),
            });
        }
        Ok(())
    }

    fn write_out(&mut self, out: Vec<Record>) -> Result<()> {
        for rec in out {
            let size = rec.approx_size() as u64;
            let m = self.metrics(SINK);
            m.records_in += 1;
            m.bytes_in += size;
            let res = match self.p.sink.as_mut() {
                Some(s) => s.write(rec),
                None => Ok(()),
            };
            match res {
                Ok(()) => {
                    self.metrics(SINK).records_out += 1;
                    self.summary.written += 1;
                    self.summary.bytes_written += size;
                }
                // Sinks name the record in the error (`RecordError::key`); the record itself was
                // handed over, so the rejects file gets the key and the reason.
                Err(Error::Record(e)) => {
                    let key = e.key.clone().unwrap_or_default();
                    self.fail(SINK, *e, Some(Record::new().with_key(key)))?
                }
                Err(fatal) => return Err(fatal),
            }
        }
        Ok(())
    }
}

/// Gives records emitted by a flat-map without a key the key `parent#i`, so they stay distinct.
fn keyed_children(parent: &str, recs: Vec<Record>) -> impl Iterator<Item = Record> + '_ {
    recs.into_iter().enumerate().map(move |(i, mut r)| {
        if r.key().is_empty() {
            r.set_key(format!("{parent}#{i}"));
        }
        r
    })
}

fn annotate(rec: &mut Record, stage: &str, kind: &str, reason: &str) {
    let key = rec.key().to_owned();
    rec.set(reject_fields::STAGE, stage);
    rec.set(reject_fields::KIND, kind);
    rec.set(reject_fields::REASON, reason);
    rec.set(reject_fields::KEY, Value::Str(key));
}

fn drop_event(
    c: &mut Counters,
    stage: usize,
    reason: Cow<'static, str>,
    rec: Record,
    keep: bool,
) -> Event {
    c.dropped += 1;
    *c.dropped_by_reason.entry(reason.clone()).or_default() += 1;
    Event::Dropped {
        stage,
        reason,
        record: keep.then_some(rec),
    }
}

fn fail_event(
    c: &mut Counters,
    stage: usize,
    error: RecordError,
    rec: Record,
    keep: bool,
) -> Event {
    c.failed += 1;
    *c.failed_by_kind.entry(error.kind.to_string()).or_default() += 1;
    let key = rec.key().to_owned();
    let error = if error.key.is_none() {
        error.with_key(key)
    } else {
        error
    };
    Event::Failed {
        stage,
        error,
        record: keep.then_some(rec),
    }
}

/// Runs one record through `stages[j..]` (global index of `stages[0]` is `first`).
#[allow(clippy::too_many_arguments)]
fn run_chain(
    stages: &[(&dyn Stage, &Context)],
    j: usize,
    first: usize,
    pos: u64,
    mut rec: Record,
    acc: &mut Acc,
    keep_dropped: bool,
    keep_failed: bool,
) {
    for k in j..stages.len() {
        let (stage, cx) = stages[k];
        let c = &mut acc.metrics[k];
        let res = c.timed(&mut rec, pos, |r| stage.process(r, cx));
        match res {
            Ok(Action::Keep) => c.records_out += 1,
            Ok(Action::Drop(reason)) => {
                let ev = drop_event(c, first + k, reason, rec, keep_dropped);
                acc.events.push(ev);
                return;
            }
            Ok(Action::Replace(recs)) if recs.is_empty() => {
                let ev = drop_event(c, first + k, Cow::Borrowed("empty"), rec, keep_dropped);
                acc.events.push(ev);
                return;
            }
            Ok(Action::Replace(recs)) => {
                c.records_out += recs.len() as u64;
                c.created += recs.len() as u64 - 1;
                for r in keyed_children(rec.key(), recs) {
                    run_chain(stages, k + 1, first, pos, r, acc, keep_dropped, keep_failed);
                }
                return;
            }
            Err(e) => {
                let ev = fail_event(c, first + k, e, rec, keep_failed);
                acc.events.push(ev);
                return;
            }
        }
    }
    acc.out.push(rec);
}

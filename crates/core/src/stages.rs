//! Generic stages that every modality uses.

use std::collections::HashSet;

use crate::error::RecordError;
use crate::json::JsonValue;
use crate::record::Record;
use crate::stage::{Action, Context, StatefulStage};
use crate::value::Value;

/// Keeps the first record (in input order) for each distinct value of a field and drops the rest
/// with reason `duplicate` — SQL `DISTINCT ON`, deterministic whatever the thread count.
///
/// Values are compared by a 128-bit XXH3 hash of their bytes (strings and bytes) or canonical
/// JSON (other values); 16 bytes of memory per distinct value. Records without the field fail.
///
/// ```
/// use dataprep_core::{stages::DistinctStage, Pipeline, Record, VecDataset, VecSink};
/// let src = VecDataset::new(vec![
///     Record::new().with("text", "a"), Record::new().with("text", "b"), Record::new().with("text", "a"),
/// ]);
/// let mut out = VecSink::default();
/// let s = Pipeline::new(&src).stateful(DistinctStage::new("text")).sink(&mut out).run()?;
/// assert_eq!(out.records().len(), 2);
/// assert_eq!(s.stage("distinct").unwrap().dropped_by_reason["duplicate"], 1);
/// # Ok::<(), dataprep_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DistinctStage {
    field: String,
    seen: HashSet<u128>,
}

impl DistinctStage {
    /// Distinct records on `field`.
    pub fn new(field: impl Into<String>) -> Self {
        DistinctStage {
            field: field.into(),
            seen: HashSet::new(),
        }
    }

    /// Number of distinct values seen so far.
    pub fn distinct_count(&self) -> usize {
        self.seen.len()
    }
}

/// A 128-bit hash of a value: of the bytes for strings and bytes, of the canonical JSON otherwise.
pub fn value_hash(v: &Value) -> u128 {
    match v {
        Value::Str(s) => xxhash_rust::xxh3::xxh3_128(s.as_bytes()),
        Value::Bytes(b) => xxhash_rust::xxh3::xxh3_128(b),
        other => {
            let json = serde_json::to_vec(&JsonValue(other)).unwrap_or_default();
            xxhash_rust::xxh3::xxh3_128_with_seed(&json, 1)
        }
    }
}

impl StatefulStage for DistinctStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "distinct"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({ "field": self.field })
    }

    fn process(&mut self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let h = value_hash(record.require(&self.field)?);
        Ok(if self.seen.insert(h) {
            Action::Keep
        } else {
            Action::drop("duplicate")
        })
    }
}

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`DistinctStage`].
#[deprecated(since = "0.1.0", note = "renamed to `DistinctStage`")]
pub type Distinct = DistinctStage;

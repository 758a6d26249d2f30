//! Adapters over records: label, group and time columns as [`Key`]s (borrowed, no allocation per
//! record), and [`Subset`], a lazy random-access view of chosen rows.

use std::sync::Arc;

use dataprep_core::{Dataset, IterableDataset, Record, Records, Schema, Shard};

use crate::encode::Key;
use crate::error::{Error, Result};

/// What a null (or absent) value means in a column read as keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nulls {
    /// An error (labels and times must be present).
    Error,
    /// A group of its own ([`Key::Row`]): a record outside any duplicate cluster is nobody's
    /// duplicate. The column must still exist in at least one record.
    OwnGroup,
}

fn key_of<'a>(row: usize, r: &'a Record, column: &str, nulls: Nulls) -> Result<Key<'a>> {
    match r.get(column) {
        Some(v) => match Key::from_value(v) {
            Some(k) => Ok(k),
            None if nulls == Nulls::OwnGroup => Ok(Key::Row(row)),
            None => Err(Error::NullValue {
                row,
                key: r.key().to_owned(),
                column: column.to_owned(),
            }),
        },
        None if nulls == Nulls::OwnGroup => Ok(Key::Row(row)),
        None => Err(Error::Field {
            row,
            key: r.key().to_owned(),
            source: dataprep_core::FieldError::Missing {
                field: column.to_owned(),
            },
        }),
    }
}

/// The keys of `column` in every record, in order (see [`Nulls`]).
///
/// ```
/// use dataprep_core::Record;
/// use dataprep_split::{Key, Nulls, column_keys};
/// let recs = vec![Record::new().with("y", "cat"), Record::new().with("y", 3_i64)];
/// let keys = column_keys(&recs, "y", Nulls::Error)?;
/// assert_eq!(keys, vec![Key::Str("cat".into()), Key::Int(3)]);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
///
/// # Errors
/// With [`Nulls::Error`], [`Error::Field`] for a record without the column and
/// [`Error::NullValue`] for a null; with [`Nulls::OwnGroup`], [`Error::Field`] when no record has
/// the column (most likely a misspelt name).
pub fn column_keys<'a>(records: &'a [Record], column: &str, nulls: Nulls) -> Result<Vec<Key<'a>>> {
    if nulls == Nulls::OwnGroup
        && !records.is_empty()
        && !records.iter().any(|r| r.contains(column))
    {
        return Err(missing_everywhere(column));
    }
    records
        .iter()
        .enumerate()
        .map(|(row, r)| key_of(row, r, column, nulls))
        .collect()
}

/// The keys of `column` in every record of a random-access dataset (owned, since the dataset
/// returns owned records).
///
/// # Errors
/// As [`column_keys`]; a record that cannot be read.
pub fn dataset_column_keys<D: Dataset>(
    dataset: &D,
    column: &str,
    nulls: Nulls,
) -> Result<Vec<Key<'static>>> {
    let mut out = Vec::with_capacity(dataset.len());
    let mut seen_column = false;
    for row in 0..dataset.len() {
        let r = dataset.get(row)?;
        seen_column |= r.contains(column);
        out.push(key_of(row, &r, column, nulls)?.into_owned());
    }
    if nulls == Nulls::OwnGroup && !out.is_empty() && !seen_column {
        return Err(missing_everywhere(column));
    }
    Ok(out)
}

fn missing_everywhere(column: &str) -> Error {
    Error::Field {
        row: 0,
        key: String::new(),
        source: dataprep_core::FieldError::Missing {
            field: column.to_owned(),
        },
    }
}

/// A lazy view of chosen rows of a random-access dataset (a split, a fold, a sample): record `i`
/// is `inner.get(indices[i])`. Rows may repeat (over-sampling). Also an [`IterableDataset`],
/// sharded by position.
///
/// ```
/// use dataprep_core::{Dataset, Record, VecDataset};
/// use dataprep_split::Subset;
/// let ds = VecDataset::new((0..5).map(|i| Record::new().with("i", i as i64)).collect());
/// let sub = Subset::new(&ds, vec![4, 0, 4]);
/// assert_eq!(sub.len(), 3);
/// assert_eq!(sub.get(0)?.i64("i")?, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Subset<D> {
    inner: D,
    indices: Arc<[usize]>,
}

impl<D> Subset<D> {
    /// The rows `indices` of `inner`.
    pub fn new(inner: D, indices: impl Into<Arc<[usize]>>) -> Self {
        Subset {
            inner,
            indices: indices.into(),
        }
    }

    /// The chosen rows.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// The underlying dataset.
    pub fn inner(&self) -> &D {
        &self.inner
    }
}

impl<D: Dataset> Dataset for Subset<D> {
    fn len(&self) -> usize {
        self.indices.len()
    }

    fn get(&self, index: usize) -> dataprep_core::Result<Record> {
        let i = *self
            .indices
            .get(index)
            .ok_or(dataprep_core::Error::OutOfRange {
                index,
                len: self.indices.len(),
            })?;
        self.inner.get(i)
    }

    fn schema(&self) -> Option<Schema> {
        self.inner.schema()
    }
}

impl<D: Dataset> IterableDataset for Subset<D> {
    fn open(&self, shard: Shard) -> dataprep_core::Result<Records<'_>> {
        Ok(Box::new(
            (shard.rank..self.indices.len())
                .step_by(shard.world_size)
                .map(move |i| self.get(i)),
        ))
    }

    fn len_hint(&self) -> Option<u64> {
        Some(self.indices.len() as u64)
    }

    fn schema(&self) -> Option<Schema> {
        Dataset::schema(&self.inner)
    }
}

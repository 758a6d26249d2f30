//! Errors (impossible requests) and warnings (legal but questionable requests).

use std::fmt;

use dataprep_core::FieldError;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a split, a cross-validation or a sample cannot be made.
///
/// Messages follow scikit-learn's where scikit-learn raises for the same request, so users
/// recognise them. Converts into [`dataprep_core::Error`] with `?` in pipeline code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Split sizes that cannot be honoured: a fraction outside (0, 1], fractions summing to more
    /// than 1, counts summing to more than the number of rows, duplicate names, no splits.
    #[error("invalid split sizes: {0}")]
    InvalidSizes(String),
    /// A parameter out of its range (for example `k < 2`, a negative weight, a zero bucket count).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// There is nothing to split or sample.
    #[error("empty input: {0}")]
    EmptyInput(String),
    /// Inputs that must have one value per row have different lengths.
    #[error("{what}: expected {expected} values (one per row), got {got}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// The number of rows.
        expected: usize,
        /// The number of values given.
        got: usize,
    },
    /// `k` is larger than the number of rows.
    #[error("cannot have number of splits k={k} greater than the number of samples: n_samples={n}")]
    KExceedsSamples {
        /// Number of folds asked for.
        k: usize,
        /// Number of rows.
        n: usize,
    },
    /// `k` is larger than every class (scikit-learn's `StratifiedKFold` raises here too).
    #[error(
        "k={k} cannot be greater than the number of members in each class \
         (the largest class has {largest})"
    )]
    KExceedsClasses {
        /// Number of folds asked for.
        k: usize,
        /// Size of the largest class.
        largest: usize,
    },
    /// `k` is larger than the number of groups.
    #[error("cannot have number of splits k={k} greater than the number of groups: {groups}")]
    KExceedsGroups {
        /// Number of folds (or splits) asked for.
        k: usize,
        /// Number of distinct groups.
        groups: usize,
    },
    /// A class too small for a stratified split (scikit-learn needs two members per class).
    #[error(
        "the least populated class {class} has only {count} member(s), which is too few: \
         stratified splitting needs at least {needed} per class"
    )]
    ClassTooSmall {
        /// The class (its label, formatted with `Debug`).
        class: String,
        /// Its number of rows.
        count: usize,
        /// The minimum needed.
        needed: usize,
    },
    /// A stratified split smaller than the number of classes (scikit-learn raises here too).
    #[error("split `{split}` would have {size} rows, fewer than the number of classes = {classes}")]
    SplitSmallerThanClasses {
        /// The split.
        split: String,
        /// Its number of rows.
        size: usize,
        /// The number of classes.
        classes: usize,
    },
    /// A split would receive no rows.
    #[error("split `{split}` would be empty: {reason}")]
    EmptySplit {
        /// The split.
        split: String,
        /// Why.
        reason: String,
    },
    /// A class named in a request (targets, weights) has no rows, or would get no weight at all.
    #[error("class {class} has no samples: {reason}")]
    EmptyClass {
        /// The class (formatted with `Debug`).
        class: String,
        /// Where it was named.
        reason: String,
    },
    /// A row's field is missing or of the wrong type.
    #[error("row {row} (key {key:?}): {source}")]
    Field {
        /// Row index in the input.
        row: usize,
        /// The record key.
        key: String,
        /// The field error.
        #[source]
        source: FieldError,
    },
    /// A row's label (or other required value) is null.
    #[error("row {row} (key {key:?}): column `{column}` is null")]
    NullValue {
        /// Row index in the input.
        row: usize,
        /// The record key.
        key: String,
        /// The column.
        column: String,
    },
    /// An error from dataprep-core (reading a dataset, for example).
    #[error(transparent)]
    Core(#[from] dataprep_core::Error),
}

impl From<Error> for dataprep_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Core(inner) => inner,
            Error::InvalidSizes(_) | Error::InvalidParameter(_) => {
                dataprep_core::Error::Config(e.to_string())
            }
            other => dataprep_core::Error::other("dataprep-split", other),
        }
    }
}

/// A legal but questionable request: logged with `tracing::warn!` when it happens and returned with
/// the result (and written to the record of the split), where scikit-learn would warn.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// The least populated class has fewer members than `k` (scikit-learn's `UserWarning` in
    /// `StratifiedKFold` and `StratifiedGroupKFold`): some folds have no member of it.
    LeastPopulatedClass {
        /// The class (formatted with `Debug`).
        class: String,
        /// Its number of rows.
        count: usize,
        /// The number of folds.
        k: usize,
    },
    /// A grouped split could not reach its target size because groups are indivisible.
    SplitSizeDeviation {
        /// The split.
        split: String,
        /// Rows asked for.
        target: usize,
        /// Rows given.
        actual: usize,
    },
    /// A class that should appear in a split (target ≥ 1 row) got no row there, because its rows
    /// sit in groups that went elsewhere.
    ClassMissingFromSplit {
        /// The split.
        split: String,
        /// The class (formatted with `Debug`).
        class: String,
        /// Rows of the class that the split should have had.
        target: usize,
    },
    /// A class received fewer samples than asked because the request was capped.
    Capped {
        /// What was capped (a class or a source).
        what: String,
        /// Asked for.
        requested: u64,
        /// Given.
        given: u64,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::LeastPopulatedClass { class, count, k } => write!(
                f,
                "the least populated class {class} has only {count} members, which is less than k={k}"
            ),
            Warning::SplitSizeDeviation {
                split,
                target,
                actual,
            } => write!(
                f,
                "split `{split}` has {actual} rows instead of {target}: groups cannot be divided"
            ),
            Warning::ClassMissingFromSplit {
                split,
                class,
                target,
            } => write!(
                f,
                "class {class} has no row in split `{split}` (target {target}): its groups went elsewhere"
            ),
            Warning::Capped {
                what,
                requested,
                given,
            } => write!(f, "{what}: {given} given instead of {requested} (capped)"),
        }
    }
}

impl Warning {
    /// Logs the warning with `tracing::warn!` and returns it.
    pub(crate) fn emit(self) -> Self {
        tracing::warn!(target: "dataprep_split", "{self}");
        self
    }
}

/// Checks that a per-row input has one value per row.
pub(crate) fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what,
            expected,
            got,
        })
    }
}

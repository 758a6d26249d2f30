//! [`Record`]: one sample with named, typed fields and a stable key.

use crate::error::FieldError;
use crate::value::{Tensor, Value};

/// One sample: named, typed fields in order, plus a stable key.
///
/// The key identifies the record across runs (it seeds per-record randomness, orders duplicates and
/// names the record in error reports). Readers set it from an id column or from the file and line;
/// a pipeline gives a record without one its input ordinal.
///
/// ```
/// use dataprep_core::{Record, Value};
/// let mut r = Record::new().with_key("doc-1");
/// r.set("text", "Hello world");
/// r.set("n", 3_i64);
/// assert_eq!(r.str("text")?, "Hello world");
/// assert_eq!(r.i64("n")?, 3);
/// assert!(r.str("missing").unwrap_err().to_string().contains("missing"));
/// r.set_score("length", "chars", 11.0);
/// assert_eq!(r.score("length", "chars"), Some(11.0));
/// # Ok::<(), dataprep_core::FieldError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    key: String,
    fields: Vec<(String, Value)>,
}

/// The field under which stages attach scores: a struct of `stage -> struct of name -> float`.
pub const SCORES_FIELD: &str = "scores";

macro_rules! typed_getter {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $expected:literal, $conv:expr) => {
        $(#[$doc])*
        pub fn $name(&self, field: &str) -> Result<$ty, FieldError> {
            let v = self.require(field)?;
            #[allow(clippy::redundant_closure_call)]
            ($conv)(v).ok_or_else(|| FieldError::WrongType {
                field: field.to_owned(),
                expected: $expected,
                found: v.type_name(),
            })
        }
    };
}

impl Record {
    /// An empty record with an empty key.
    pub fn new() -> Self {
        Record::default()
    }

    /// A record from `(name, value)` pairs.
    pub fn from_fields<K: Into<String>, V: Into<Value>>(
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Record {
            key: String::new(),
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Sets the key (builder style).
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// Sets a field (builder style).
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set(name, value);
        self
    }

    /// The stable key (empty when none was assigned yet).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Sets the key.
    pub fn set_key(&mut self, key: impl Into<String>) {
        self.key = key.into();
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields in order.
    pub fn fields(&self) -> &[(String, Value)] {
        &self.fields
    }

    /// Iterates over `(name, value)` in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Takes the key and fields apart.
    pub fn into_parts(self) -> (String, Vec<(String, Value)>) {
        (self.key, self.fields)
    }

    /// Rebuilds a record from its parts.
    pub fn from_parts(key: String, fields: Vec<(String, Value)>) -> Self {
        Record { key, fields }
    }

    /// Position of a field.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|(k, _)| k == name)
    }

    /// The value of a field, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A mutable reference to a field's value, if present.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.fields
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// True when the field is present.
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Sets a field, replacing its value in place if present, appending it otherwise.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        let name = name.into();
        let value = value.into();
        match self.get_mut(&name) {
            Some(slot) => *slot = value,
            None => self.fields.push((name, value)),
        }
    }

    /// Removes a field and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.position(name)?;
        Some(self.fields.remove(i).1)
    }

    /// Takes a field's value out, leaving `Null` in its place (cheap: no copy of strings or bytes).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.get_mut(name).map(std::mem::take)
    }

    /// The value of a field, or [`FieldError::Missing`].
    pub fn require(&self, field: &str) -> Result<&Value, FieldError> {
        self.get(field).ok_or_else(|| FieldError::Missing {
            field: field.to_owned(),
        })
    }

    typed_getter!(
        /// A string field.
        str, &str, "string", Value::as_str
    );
    typed_getter!(
        /// A bytes field.
        bytes, &[u8], "bytes", Value::as_bytes
    );
    typed_getter!(
        /// An integer field as `i64`.
        i64, i64, "int", Value::as_i64
    );
    typed_getter!(
        /// A non-negative integer field as `u64`.
        u64, u64, "uint", Value::as_u64
    );
    typed_getter!(
        /// A numeric field as `f64`.
        f64, f64, "float", Value::as_f64
    );
    typed_getter!(
        /// A boolean field.
        bool, bool, "bool", Value::as_bool
    );
    typed_getter!(
        /// A list field.
        list, &[Value], "list", Value::as_list
    );
    typed_getter!(
        /// A tensor field.
        tensor, &Tensor, "tensor", Value::as_tensor
    );

    /// A string field that may be null or absent.
    pub fn opt_str(&self, field: &str) -> Result<Option<&str>, FieldError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.str(field).map(Some),
        }
    }

    /// Attaches a measured value under `scores.<stage>.<name>`, replacing an earlier one.
    pub fn set_score(&mut self, stage: &str, name: &str, value: f64) {
        if !matches!(self.get(SCORES_FIELD), Some(Value::Struct(_))) {
            self.set(SCORES_FIELD, Value::Struct(Vec::new()));
        }
        let Some(Value::Struct(stages)) = self.get_mut(SCORES_FIELD) else {
            unreachable!()
        };
        let pos = match stages.iter().position(|(k, _)| k == stage) {
            Some(p) => p,
            None => {
                stages.push((stage.to_owned(), Value::Struct(Vec::new())));
                stages.len() - 1
            }
        };
        if !matches!(stages[pos].1, Value::Struct(_)) {
            stages[pos].1 = Value::Struct(Vec::new());
        }
        let Value::Struct(names) = &mut stages[pos].1 else {
            unreachable!()
        };
        match names.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = Value::Float(value),
            None => names.push((name.to_owned(), Value::Float(value))),
        }
    }

    /// A score attached by [`Record::set_score`].
    pub fn score(&self, stage: &str, name: &str) -> Option<f64> {
        self.get(SCORES_FIELD)?.field(stage)?.field(name)?.as_f64()
    }

    /// Approximate size in bytes of the key and all fields.
    pub fn approx_size(&self) -> usize {
        self.key.len()
            + self
                .fields
                .iter()
                .map(|(k, v)| k.len() + v.approx_size())
                .sum::<usize>()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Record {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        Record::from_fields(iter)
    }
}

//! [`Schema`], [`Field`] and [`DataType`]: the types of record fields, inferred or declared.

use std::fmt;

use crate::record::Record;
use crate::value::{TensorElem, TimeUnit, Value};

/// The type of a field. Maps one-to-one onto an Arrow type (see [`crate::arrow`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataType {
    /// Always null.
    Null,
    /// Boolean.
    Bool,
    /// 8-bit signed integer.
    Int8,
    /// 16-bit signed integer.
    Int16,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// 8-bit unsigned integer.
    UInt8,
    /// 16-bit unsigned integer.
    UInt16,
    /// 32-bit unsigned integer.
    UInt32,
    /// 64-bit unsigned integer.
    UInt64,
    /// 32-bit float.
    Float32,
    /// 64-bit float.
    Float64,
    /// UTF-8 string.
    Utf8,
    /// Bytes.
    Binary,
    /// Timestamp with a unit and an optional time zone.
    Timestamp(TimeUnit, Option<String>),
    /// List of items of one type (items nullable).
    List(Box<DataType>),
    /// Named fields.
    Struct(Vec<Field>),
    /// Key/value pairs.
    Map(Box<DataType>, Box<DataType>),
    /// N-d tensor of the given element type.
    Tensor(TensorElem),
}

impl DataType {
    /// True for the integer types.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64
        )
    }

    /// True for the float types.
    pub fn is_float(&self) -> bool {
        matches!(self, DataType::Float32 | DataType::Float64)
    }

    /// The natural type of a value (integers as 64-bit, floats as `Float64`, timestamps without zone).
    pub fn of(value: &Value) -> DataType {
        match value {
            Value::Null => DataType::Null,
            Value::Bool(_) => DataType::Bool,
            Value::Int(_) => DataType::Int64,
            Value::UInt(_) => DataType::UInt64,
            Value::Float(_) => DataType::Float64,
            Value::Str(_) => DataType::Utf8,
            Value::Bytes(_) => DataType::Binary,
            Value::List(items) => {
                let mut t = DataType::Null;
                for item in items {
                    // Conflicting item types are reported when the value is checked against it.
                    t = unify(&t, &DataType::of(item)).unwrap_or(t);
                }
                DataType::List(Box::new(t))
            }
            Value::Struct(fields) => DataType::Struct(
                fields
                    .iter()
                    .map(|(k, v)| Field::new(k.clone(), DataType::of(v), true))
                    .collect(),
            ),
            Value::Map(entries) => {
                let (mut k, mut v) = (DataType::Null, DataType::Null);
                for (ek, ev) in entries {
                    k = unify(&k, &DataType::of(ek)).unwrap_or(k);
                    v = unify(&v, &DataType::of(ev)).unwrap_or(v);
                }
                DataType::Map(Box::new(k), Box::new(v))
            }
            Value::Timestamp { unit, .. } => DataType::Timestamp(*unit, None),
            Value::Tensor(t) => DataType::Tensor(t.elem()),
        }
    }

    /// Checks that `value` can be stored in a field of this type (null is always accepted here;
    /// nullability is checked by [`Schema::check`]). Integers are accepted by float columns, and
    /// integers must fit the column's width.
    pub fn accepts(&self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => true,
            (DataType::Bool, Value::Bool(_)) => true,
            (t, Value::Int(_) | Value::UInt(_)) if t.is_integer() => {
                int_fits(t, value.as_i64(), value.as_u64())
            }
            (t, Value::Float(_) | Value::Int(_) | Value::UInt(_)) if t.is_float() => true,
            (DataType::Utf8, Value::Str(_)) => true,
            (DataType::Binary, Value::Bytes(_)) => true,
            (DataType::Timestamp(u, _), Value::Timestamp { unit, .. }) => u == unit,
            (DataType::List(item), Value::List(items)) => items.iter().all(|v| item.accepts(v)),
            (DataType::Struct(fields), Value::Struct(vals)) => vals
                .iter()
                .all(|(k, v)| fields.iter().any(|f| &f.name == k && f.accepts(v))),
            (DataType::Map(kt, vt), Value::Map(entries)) => entries
                .iter()
                .all(|(k, v)| !k.is_null() && kt.accepts(k) && vt.accepts(v)),
            (DataType::Tensor(e), Value::Tensor(t)) => *e == t.elem(),
            _ => false,
        }
    }
}

fn int_fits(t: &DataType, i: Option<i64>, u: Option<u64>) -> bool {
    let in_i = |lo: i64, hi: i64| i.is_some_and(|i| (lo..=hi).contains(&i));
    let in_u = |hi: u64| u.is_some_and(|u| u <= hi);
    match t {
        DataType::Int8 => in_i(i8::MIN.into(), i8::MAX.into()),
        DataType::Int16 => in_i(i16::MIN.into(), i16::MAX.into()),
        DataType::Int32 => in_i(i32::MIN.into(), i32::MAX.into()),
        DataType::Int64 => i.is_some(),
        DataType::UInt8 => in_u(u8::MAX.into()),
        DataType::UInt16 => in_u(u16::MAX.into()),
        DataType::UInt32 => in_u(u32::MAX.into()),
        DataType::UInt64 => u.is_some(),
        _ => false,
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::List(t) => write!(f, "list<{t}>"),
            DataType::Map(k, v) => write!(f, "map<{k}, {v}>"),
            DataType::Struct(fields) => {
                f.write_str("struct<")?;
                for (i, fd) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", fd.name, fd.data_type)?;
                }
                f.write_str(">")
            }
            DataType::Timestamp(u, tz) => write!(
                f,
                "timestamp[{u:?}{}]",
                tz.as_deref().map(|z| format!(", {z}")).unwrap_or_default()
            ),
            DataType::Tensor(e) => write!(f, "tensor<{e:?}>"),
            other => write!(f, "{}", format!("{other:?}").to_lowercase()),
        }
    }
}

/// Unifies two types so that values of both fit: `Null` gives way to anything, integers widen to
/// `Int64` (signed and unsigned mixed) or to `Float64` (mixed with floats), structs merge their
/// fields, lists and maps unify their items. Returns `None` when the types conflict.
pub fn unify(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType as T;
    if a == b {
        return Some(a.clone());
    }
    Some(match (a, b) {
        (T::Null, t) | (t, T::Null) => t.clone(),
        (x, y) if x.is_float() && (y.is_float() || y.is_integer()) => T::Float64,
        (x, y) if y.is_float() && x.is_integer() => T::Float64,
        (x, y) if x.is_integer() && y.is_integer() => {
            let signed = |t: &T| matches!(t, T::Int8 | T::Int16 | T::Int32 | T::Int64);
            if signed(x) || signed(y) {
                T::Int64
            } else {
                T::UInt64
            }
        }
        (T::List(x), T::List(y)) => T::List(Box::new(unify(x, y)?)),
        (T::Map(k1, v1), T::Map(k2, v2)) => {
            T::Map(Box::new(unify(k1, k2)?), Box::new(unify(v1, v2)?))
        }
        (T::Struct(f1), T::Struct(f2)) => T::Struct(merge_fields(f1, f2)?),
        _ => return None,
    })
}

fn merge_fields(f1: &[Field], f2: &[Field]) -> Option<Vec<Field>> {
    let mut out: Vec<Field> = f1.to_vec();
    for f in f2 {
        match out.iter_mut().find(|o| o.name == f.name) {
            Some(o) => {
                o.data_type = unify(&o.data_type, &f.data_type)?;
                o.nullable |= f.nullable;
            }
            None => out.push(Field {
                nullable: true,
                ..f.clone()
            }),
        }
    }
    // A field absent from the second side is missing (null) there.
    for o in out.iter_mut() {
        if !f2.iter().any(|f| f.name == o.name) {
            o.nullable = true;
        }
    }
    Some(out)
}

/// A named, typed field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Field type.
    pub data_type: DataType,
    /// Whether the field may be null or absent.
    pub nullable: bool,
}

impl Field {
    /// A field.
    pub fn new(name: impl Into<String>, data_type: DataType, nullable: bool) -> Self {
        Field {
            name: name.into(),
            data_type,
            nullable,
        }
    }

    fn accepts(&self, v: &Value) -> bool {
        (self.nullable || !v.is_null()) && self.data_type.accepts(v)
    }
}

/// The ordered fields of a dataset.
///
/// ```
/// use dataprep_core::{DataType, Record, Schema};
/// let recs = vec![
///     Record::new().with("text", "a").with("n", 1_i64),
///     Record::new().with("text", "b").with("n", 2.5),
/// ];
/// let schema = Schema::infer(&recs)?;
/// assert_eq!(schema.field("n").unwrap().data_type, DataType::Float64);
/// assert!(schema.check(&recs[0]).is_ok());
/// # Ok::<(), dataprep_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Schema {
    /// The fields in column order.
    pub fields: Vec<Field>,
}

impl Schema {
    /// A schema from fields.
    pub fn new(fields: Vec<Field>) -> Self {
        Schema { fields }
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Index of the field named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Infers the schema of a set of records: the union of their fields in first-seen order, each
    /// with the unified type (see [`unify`]); a field missing from some record is nullable.
    ///
    /// # Errors
    /// [`crate::Error::Schema`] naming the field when two records give it conflicting types.
    pub fn infer<'a>(records: impl IntoIterator<Item = &'a Record>) -> crate::Result<Schema> {
        let mut schema = Schema::default();
        for r in records {
            schema.extend_with(r)?;
        }
        Ok(schema)
    }

    /// Widens the schema so that `record` fits (as [`Schema::infer`] does, one record at a time).
    pub fn extend_with(&mut self, record: &Record) -> crate::Result<()> {
        let first = self.fields.is_empty();
        for (name, value) in record.iter() {
            let t = DataType::of(value);
            match self.fields.iter_mut().find(|f| f.name == name) {
                Some(f) => {
                    f.data_type = unify(&f.data_type, &t).ok_or_else(|| {
                        crate::Error::Schema(format!(
                            "field `{name}` has conflicting types {} and {t} (record `{}`)",
                            f.data_type,
                            record.key()
                        ))
                    })?;
                    f.nullable |= value.is_null();
                }
                None => self
                    .fields
                    .push(Field::new(name, t, !first || value.is_null())),
            }
        }
        for f in self.fields.iter_mut() {
            if !f.nullable && !record.contains(&f.name) {
                f.nullable = true;
            }
        }
        Ok(())
    }

    /// Checks that `record` fits this schema: every field is known, has an acceptable value, and
    /// non-nullable fields are present.
    ///
    /// # Errors
    /// A [`crate::RecordError`] of kind `Schema` naming the offending field.
    pub fn check(&self, record: &Record) -> Result<(), crate::RecordError> {
        let err = |msg: String| {
            crate::RecordError::new(crate::RecordErrorKind::Schema, msg).with_key(record.key())
        };
        for (name, value) in record.iter() {
            let Some(f) = self.field(name) else {
                return Err(err(format!("field `{name}` is not in the schema")));
            };
            if !f.accepts(value) {
                return Err(err(format!(
                    "field `{name}` holds {} which does not fit {}{}",
                    DataType::of(value),
                    f.data_type,
                    if f.nullable { "" } else { " (not nullable)" }
                )));
            }
        }
        if let Some(f) = self
            .fields
            .iter()
            .find(|f| !f.nullable && !record.contains(&f.name))
        {
            return Err(err(format!("non-nullable field `{}` is missing", f.name)));
        }
        Ok(())
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fd) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(
                f,
                "{}: {}{}",
                fd.name,
                fd.data_type,
                if fd.nullable { "?" } else { "" }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unify_rules() {
        use DataType as T;
        assert_eq!(unify(&T::Null, &T::Utf8), Some(T::Utf8));
        assert_eq!(unify(&T::Int32, &T::UInt64), Some(T::Int64));
        assert_eq!(unify(&T::UInt8, &T::UInt32), Some(T::UInt64));
        assert_eq!(unify(&T::Int64, &T::Float32), Some(T::Float64));
        assert_eq!(unify(&T::Utf8, &T::Binary), None);
        assert_eq!(
            unify(&T::List(Box::new(T::Null)), &T::List(Box::new(T::Bool))),
            Some(T::List(Box::new(T::Bool)))
        );
        assert_eq!(
            unify(&T::List(Box::new(T::Utf8)), &T::List(Box::new(T::Bool))),
            None
        );
    }

    #[test]
    fn accepts_checks_integer_width() {
        assert!(DataType::Int8.accepts(&Value::Int(127)));
        assert!(!DataType::Int8.accepts(&Value::Int(128)));
        assert!(!DataType::UInt16.accepts(&Value::Int(-1)));
        assert!(DataType::UInt64.accepts(&Value::UInt(u64::MAX)));
        assert!(!DataType::Int64.accepts(&Value::UInt(u64::MAX)));
        assert!(DataType::Float32.accepts(&Value::Int(3)));
        assert!(!DataType::Utf8.accepts(&Value::Int(3)));
    }

    #[test]
    fn display_is_readable() {
        let t = DataType::Struct(vec![
            Field::new("a", DataType::List(Box::new(DataType::Int32)), true),
            Field::new(
                "m",
                DataType::Map(Box::new(DataType::Utf8), Box::new(DataType::Float64)),
                false,
            ),
        ]);
        assert_eq!(
            t.to_string(),
            "struct<a: list<int32>, m: map<utf8, float64>>"
        );
    }
}

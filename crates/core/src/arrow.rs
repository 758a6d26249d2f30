//! Lossless conversion between [`Record`]s and Arrow [`RecordBatch`]es.
//!
//! Every [`DataType`] has one Arrow type: integers and floats keep their width, `Utf8` is Arrow
//! `Utf8`, lists are `List` with nullable items named `item`, maps are Arrow `Map`, and a tensor is a
//! `Struct { shape: List<UInt64>, data: List<Float32> | Binary }` whose field carries the extension
//! name [`TENSOR_EXTENSION`] in its metadata. Reading also accepts the Arrow variants other writers
//! use (`LargeUtf8`, `Utf8View`, `LargeBinary`, `FixedSizeBinary`, `LargeList`, `FixedSizeList`,
//! dictionary-encoded columns) and maps them onto the same values.
//!
//! ```
//! use dataprep_core::{arrow::{from_record_batch, to_record_batch, ArrowOptions}, Record, Schema};
//! let recs = vec![Record::new().with("text", "hi").with("n", 1_i64).with_key("a")];
//! let schema = Schema::infer(&recs)?;
//! let opts = ArrowOptions::default().with_key_column("_key");
//! let batch = to_record_batch(&recs, &schema, &opts)?;
//! assert_eq!(batch.num_rows(), 1);
//! assert_eq!(from_record_batch(&batch, &opts)?, recs);
//! # Ok::<(), dataprep_core::Error>(())
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, BooleanBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, BinaryArray, ListArray, MapArray, NullArray,
    PrimitiveArray, RecordBatch, RecordBatchOptions, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType as ADT, Field as AField, FieldRef, Fields, TimeUnit as AUnit};

use crate::error::{Error, Result};
use crate::record::Record;
use crate::schema::{DataType, Field, Schema};
use crate::value::{Tensor, TensorData, TensorElem, TimeUnit, Value};

/// Metadata value of `ARROW:extension:name` marking a tensor column.
pub const TENSOR_EXTENSION: &str = "dataprep.tensor";
const EXT_KEY: &str = "ARROW:extension:name";

/// Options for the conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArrowOptions {
    /// When set, record keys are written to (and read back from) a `Utf8` column of this name,
    /// placed first. On reading, a batch without that column gives records with empty keys.
    pub key_column: Option<String>,
    /// The most rows [`from_record_batch`] converts from one batch (default
    /// [`ArrowOptions::DEFAULT_MAX_ROWS`]). A batch's row count is only backed by data when it
    /// has columns that are not of the Null type: an IPC or Parquet file can declare 2^56 rows
    /// of nothing, and one record each would exhaust memory.
    pub max_rows: usize,
}

impl Default for ArrowOptions {
    fn default() -> Self {
        Self {
            key_column: None,
            max_rows: Self::DEFAULT_MAX_ROWS,
        }
    }
}

impl ArrowOptions {
    /// 16,777,216 rows a batch: far above what any reader batches (Parquet reads 8,192-row
    /// batches) and a few GiB of records at most.
    pub const DEFAULT_MAX_ROWS: usize = 1 << 24;

    /// Refuses batches of more than `n` rows in [`from_record_batch`].
    pub fn with_max_rows(mut self, n: usize) -> Self {
        self.max_rows = n;
        self
    }

    /// Stores record keys in the column `name`.
    pub fn with_key_column(mut self, name: impl Into<String>) -> Self {
        self.key_column = Some(name.into());
        self
    }
}

// ----------------------------------------------------------------------------------------------
// Schema conversion

/// Converts a schema to Arrow.
pub fn to_arrow_schema(schema: &Schema) -> arrow_schema::Schema {
    arrow_schema::Schema::new(schema.fields.iter().map(to_arrow_field).collect::<Vec<_>>())
}

/// Converts a field to Arrow (tensor fields carry the extension name in their metadata).
pub fn to_arrow_field(f: &Field) -> AField {
    let field = AField::new(&f.name, to_arrow_type(&f.data_type), f.nullable);
    if matches!(f.data_type, DataType::Tensor(_)) {
        field.with_metadata(HashMap::from([(
            EXT_KEY.to_owned(),
            TENSOR_EXTENSION.to_owned(),
        )]))
    } else {
        field
    }
}

fn item_field(t: &DataType) -> FieldRef {
    Arc::new(to_arrow_field(&Field::new("item", t.clone(), true)))
}

fn map_entries(k: &DataType, v: &DataType) -> FieldRef {
    Arc::new(AField::new(
        "entries",
        ADT::Struct(Fields::from(vec![
            to_arrow_field(&Field::new("keys", k.clone(), false)),
            to_arrow_field(&Field::new("values", v.clone(), true)),
        ])),
        false,
    ))
}

fn tensor_fields(e: TensorElem) -> Fields {
    let data = match e {
        TensorElem::F32 => ADT::List(Arc::new(AField::new("item", ADT::Float32, true))),
        TensorElem::U8 => ADT::Binary,
    };
    Fields::from(vec![
        AField::new(
            "shape",
            ADT::List(Arc::new(AField::new("item", ADT::UInt64, true))),
            false,
        ),
        AField::new("data", data, false),
    ])
}

/// Converts a type to Arrow.
pub fn to_arrow_type(t: &DataType) -> ADT {
    match t {
        DataType::Null => ADT::Null,
        DataType::Bool => ADT::Boolean,
        DataType::Int8 => ADT::Int8,
        DataType::Int16 => ADT::Int16,
        DataType::Int32 => ADT::Int32,
        DataType::Int64 => ADT::Int64,
        DataType::UInt8 => ADT::UInt8,
        DataType::UInt16 => ADT::UInt16,
        DataType::UInt32 => ADT::UInt32,
        DataType::UInt64 => ADT::UInt64,
        DataType::Float32 => ADT::Float32,
        DataType::Float64 => ADT::Float64,
        DataType::Utf8 => ADT::Utf8,
        DataType::Binary => ADT::Binary,
        DataType::Timestamp(u, tz) => {
            ADT::Timestamp(to_arrow_unit(*u), tz.as_deref().map(Arc::from))
        }
        DataType::List(item) => ADT::List(item_field(item)),
        DataType::Struct(fields) => ADT::Struct(Fields::from(
            fields.iter().map(to_arrow_field).collect::<Vec<_>>(),
        )),
        DataType::Map(k, v) => ADT::Map(map_entries(k, v), false),
        DataType::Tensor(e) => ADT::Struct(tensor_fields(*e)),
    }
}

fn to_arrow_unit(u: TimeUnit) -> AUnit {
    match u {
        TimeUnit::Second => AUnit::Second,
        TimeUnit::Millisecond => AUnit::Millisecond,
        TimeUnit::Microsecond => AUnit::Microsecond,
        TimeUnit::Nanosecond => AUnit::Nanosecond,
    }
}

fn from_arrow_unit(u: &AUnit) -> TimeUnit {
    match u {
        AUnit::Second => TimeUnit::Second,
        AUnit::Millisecond => TimeUnit::Millisecond,
        AUnit::Microsecond => TimeUnit::Microsecond,
        AUnit::Nanosecond => TimeUnit::Nanosecond,
    }
}

/// Converts an Arrow schema (dropping `key_column` if given).
///
/// # Errors
/// [`Error::Schema`] naming the field for Arrow types with no dataprep equivalent (decimals,
/// dates, intervals, unions).
pub fn from_arrow_schema(schema: &arrow_schema::Schema, opts: &ArrowOptions) -> Result<Schema> {
    let fields = schema
        .fields()
        .iter()
        .filter(|f| Some(f.name()) != opts.key_column.as_ref())
        .map(|f| from_arrow_field(f))
        .collect::<Result<Vec<_>>>()?;
    Ok(Schema::new(fields))
}

/// Converts an Arrow field.
pub fn from_arrow_field(f: &AField) -> Result<Field> {
    let t = if f.metadata().get(EXT_KEY).map(String::as_str) == Some(TENSOR_EXTENSION) {
        tensor_elem_of(f.data_type())
            .map(DataType::Tensor)
            .ok_or_else(|| {
                Error::Schema(format!(
                    "field `{}`: malformed tensor column {}",
                    f.name(),
                    f.data_type()
                ))
            })?
    } else {
        from_arrow_type(f.data_type()).map_err(|t| {
            Error::Schema(format!("field `{}`: unsupported Arrow type {t}", f.name()))
        })?
    };
    Ok(Field::new(f.name(), t, f.is_nullable()))
}

fn tensor_elem_of(t: &ADT) -> Option<TensorElem> {
    let ADT::Struct(fields) = t else { return None };
    let data = fields.iter().find(|f| f.name() == "data")?;
    fields.iter().find(|f| f.name() == "shape")?;
    match data.data_type() {
        ADT::Binary | ADT::LargeBinary => Some(TensorElem::U8),
        ADT::List(i) | ADT::LargeList(i) if i.data_type() == &ADT::Float32 => Some(TensorElem::F32),
        _ => None,
    }
}

fn from_arrow_type(t: &ADT) -> std::result::Result<DataType, ADT> {
    Ok(match t {
        ADT::Null => DataType::Null,
        ADT::Boolean => DataType::Bool,
        ADT::Int8 => DataType::Int8,
        ADT::Int16 => DataType::Int16,
        ADT::Int32 => DataType::Int32,
        ADT::Int64 => DataType::Int64,
        ADT::UInt8 => DataType::UInt8,
        ADT::UInt16 => DataType::UInt16,
        ADT::UInt32 => DataType::UInt32,
        ADT::UInt64 => DataType::UInt64,
        ADT::Float32 => DataType::Float32,
        ADT::Float64 => DataType::Float64,
        ADT::Utf8 | ADT::LargeUtf8 | ADT::Utf8View => DataType::Utf8,
        ADT::Binary | ADT::LargeBinary | ADT::BinaryView | ADT::FixedSizeBinary(_) => {
            DataType::Binary
        }
        ADT::Timestamp(u, tz) => {
            DataType::Timestamp(from_arrow_unit(u), tz.as_deref().map(String::from))
        }
        ADT::List(f) | ADT::LargeList(f) | ADT::FixedSizeList(f, _) => DataType::List(Box::new(
            from_arrow_field(f).map_err(|_| t.clone())?.data_type,
        )),
        ADT::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| from_arrow_field(f))
                .collect::<Result<Vec<_>>>()
                .map_err(|_| t.clone())?,
        ),
        ADT::Map(entries, _) => {
            let ADT::Struct(kv) = entries.data_type() else {
                return Err(t.clone());
            };
            if kv.len() != 2 {
                return Err(t.clone());
            }
            let k = from_arrow_field(&kv[0]).map_err(|_| t.clone())?.data_type;
            let v = from_arrow_field(&kv[1]).map_err(|_| t.clone())?.data_type;
            DataType::Map(Box::new(k), Box::new(v))
        }
        ADT::Dictionary(_, values) => from_arrow_type(values)?,
        other => return Err(other.clone()),
    })
}

// ----------------------------------------------------------------------------------------------
// Records -> Arrow

static NULL: Value = Value::Null;

/// Converts records to a batch with the given schema (columns in schema order).
///
/// # Errors
/// [`Error::Record`] (kind `Schema`) naming the record key and field when a record does not fit.
pub fn to_record_batch(
    records: &[Record],
    schema: &Schema,
    opts: &ArrowOptions,
) -> Result<RecordBatch> {
    let mut fields: Vec<AField> = Vec::with_capacity(schema.fields.len() + 1);
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields.len() + 1);
    if let Some(k) = &opts.key_column {
        fields.push(AField::new(k, ADT::Utf8, false));
        let mut b = StringBuilder::with_capacity(records.len(), records.len() * 16);
        for r in records {
            b.append_value(r.key());
        }
        columns.push(Arc::new(b.finish()));
    }
    // Fast path: most records list their fields in schema order.
    let mut col_values: Vec<Vec<&Value>> = schema
        .fields
        .iter()
        .map(|_| Vec::with_capacity(records.len()))
        .collect();
    for r in records {
        let fs = r.fields();
        let mut matched = 0;
        for (i, f) in schema.fields.iter().enumerate() {
            let v = match fs.get(i) {
                Some((name, v)) if *name == f.name => v,
                _ => r.get(&f.name).unwrap_or(&NULL),
            };
            if !std::ptr::eq(v, &NULL) {
                matched += 1;
            }
            col_values[i].push(v);
        }
        if matched != fs.len() {
            let extra = fs
                .iter()
                .find(|(n, _)| schema.field(n).is_none())
                .map(|(n, _)| n.as_str());
            return Err(schema_err(r, extra.unwrap_or("?"), "is not in the schema"));
        }
    }
    for (f, values) in schema.fields.iter().zip(&col_values) {
        let arr = build_array(&f.data_type, values).map_err(|msg| {
            let bad = values.iter().position(|v| !f.data_type.accepts(v));
            let rec = bad.map(|i| &records[i]).unwrap_or(&records[0]);
            schema_err(rec, &f.name, &msg)
        })?;
        if !f.nullable && arr.null_count() > 0 {
            let i = (0..arr.len()).find(|&i| arr.is_null(i)).unwrap_or(0);
            return Err(schema_err(
                &records[i],
                &f.name,
                "is null or missing but not nullable",
            ));
        }
        fields.push(to_arrow_field(f));
        columns.push(arr);
    }
    let aschema = Arc::new(arrow_schema::Schema::new(fields));
    let options = RecordBatchOptions::new().with_row_count(Some(records.len()));
    Ok(RecordBatch::try_new_with_options(
        aschema, columns, &options,
    )?)
}

fn schema_err(r: &Record, field: &str, msg: &str) -> Error {
    crate::RecordError::new(
        crate::RecordErrorKind::Schema,
        format!("field `{field}` {msg}"),
    )
    .with_key(r.key())
    .into()
}

type BuildResult = std::result::Result<ArrayRef, String>;

fn mismatch(t: &DataType, v: &Value) -> String {
    format!("holds {} which does not fit {t}", v.type_name())
}

fn nulls_of(values: &[&Value]) -> Option<NullBuffer> {
    if values.iter().any(|v| v.is_null()) {
        Some(NullBuffer::from(
            values.iter().map(|v| !v.is_null()).collect::<Vec<bool>>(),
        ))
    } else {
        None
    }
}

fn build_int<T>(t: &DataType, values: &[&Value]) -> BuildResult
where
    T: ArrowPrimitiveType,
    T::Native: TryFrom<i64> + TryFrom<u64>,
{
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        out.push(match v {
            Value::Null => None,
            Value::Int(i) => {
                Some(T::Native::try_from(*i).map_err(|_| format!("value {i} does not fit {t}"))?)
            }
            Value::UInt(u) => {
                Some(T::Native::try_from(*u).map_err(|_| format!("value {u} does not fit {t}"))?)
            }
            other => return Err(mismatch(t, other)),
        });
    }
    Ok(Arc::new(PrimitiveArray::<T>::from_iter(out)))
}

fn build_float<T: ArrowPrimitiveType>(
    t: &DataType,
    values: &[&Value],
    conv: impl Fn(f64) -> T::Native,
) -> BuildResult {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        out.push(match v {
            Value::Null => None,
            Value::Float(f) => Some(conv(*f)),
            Value::Int(i) => Some(conv(*i as f64)),
            Value::UInt(u) => Some(conv(*u as f64)),
            other => return Err(mismatch(t, other)),
        });
    }
    Ok(Arc::new(PrimitiveArray::<T>::from_iter(out)))
}

fn build_ts<T: ArrowTimestampType>(
    t: &DataType,
    unit: TimeUnit,
    tz: &Option<String>,
    values: &[&Value],
) -> BuildResult {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        out.push(match v {
            Value::Null => None,
            Value::Timestamp { value, unit: u } if *u == unit => Some(*value),
            other => return Err(mismatch(t, other)),
        });
    }
    Ok(Arc::new(
        PrimitiveArray::<T>::from_iter(out).with_timezone_opt(tz.clone()),
    ))
}

/// Builds the child array of a list-like column from the concatenated items, with offsets.
fn build_offsets<'a, I>(
    values: &[&'a Value],
    mut items: I,
) -> std::result::Result<(OffsetBuffer<i32>, Vec<&'a Value>), String>
where
    I: FnMut(&'a Value) -> std::result::Result<Option<&'a [Value]>, String>,
{
    let mut lengths = Vec::with_capacity(values.len());
    let mut children = Vec::new();
    for v in values {
        match items(v)? {
            Some(xs) => {
                lengths.push(xs.len());
                children.extend(xs.iter());
            }
            None => lengths.push(0),
        }
    }
    if children.len() > i32::MAX as usize {
        return Err("list column too large for 32-bit offsets".into());
    }
    Ok((OffsetBuffer::from_lengths(lengths), children))
}

fn build_array(t: &DataType, values: &[&Value]) -> BuildResult {
    match t {
        DataType::Null => match values.iter().find(|v| !v.is_null()) {
            Some(v) => Err(mismatch(t, v)),
            None => Ok(Arc::new(NullArray::new(values.len()))),
        },
        DataType::Bool => {
            let mut b = BooleanBuilder::with_capacity(values.len());
            for v in values {
                match v {
                    Value::Null => b.append_null(),
                    Value::Bool(x) => b.append_value(*x),
                    other => return Err(mismatch(t, other)),
                }
            }
            Ok(Arc::new(b.finish()))
        }
        DataType::Int8 => build_int::<Int8Type>(t, values),
        DataType::Int16 => build_int::<Int16Type>(t, values),
        DataType::Int32 => build_int::<Int32Type>(t, values),
        DataType::Int64 => build_int::<Int64Type>(t, values),
        DataType::UInt8 => build_int::<UInt8Type>(t, values),
        DataType::UInt16 => build_int::<UInt16Type>(t, values),
        DataType::UInt32 => build_int::<UInt32Type>(t, values),
        DataType::UInt64 => build_int::<UInt64Type>(t, values),
        DataType::Float32 => build_float::<Float32Type>(t, values, |f| f as f32),
        DataType::Float64 => build_float::<Float64Type>(t, values, |f| f),
        DataType::Utf8 => {
            let bytes: usize = values.iter().map(|v| v.as_str().map_or(0, str::len)).sum();
            let mut b = StringBuilder::with_capacity(values.len(), bytes);
            for v in values {
                match v {
                    Value::Null => b.append_null(),
                    Value::Str(s) => b.append_value(s),
                    other => return Err(mismatch(t, other)),
                }
            }
            Ok(Arc::new(b.finish()))
        }
        DataType::Binary => {
            let bytes: usize = values
                .iter()
                .map(|v| v.as_bytes().map_or(0, <[u8]>::len))
                .sum();
            let mut b = BinaryBuilder::with_capacity(values.len(), bytes);
            for v in values {
                match v {
                    Value::Null => b.append_null(),
                    Value::Bytes(s) => b.append_value(s),
                    other => return Err(mismatch(t, other)),
                }
            }
            Ok(Arc::new(b.finish()))
        }
        DataType::Timestamp(u, tz) => match u {
            TimeUnit::Second => build_ts::<TimestampSecondType>(t, *u, tz, values),
            TimeUnit::Millisecond => build_ts::<TimestampMillisecondType>(t, *u, tz, values),
            TimeUnit::Microsecond => build_ts::<TimestampMicrosecondType>(t, *u, tz, values),
            TimeUnit::Nanosecond => build_ts::<TimestampNanosecondType>(t, *u, tz, values),
        },
        DataType::List(item) => {
            let (offsets, children) = build_offsets(values, |v| match v {
                Value::Null => Ok(None),
                Value::List(xs) => Ok(Some(xs.as_slice())),
                other => Err(mismatch(t, other)),
            })?;
            let child = build_array(item, &children)?;
            let arr = ListArray::try_new(item_field(item), offsets, child, nulls_of(values))
                .map_err(|e| e.to_string())?;
            Ok(Arc::new(arr))
        }
        DataType::Struct(fields) => {
            let mut cols: Vec<Vec<&Value>> = fields
                .iter()
                .map(|_| Vec::with_capacity(values.len()))
                .collect();
            for v in values {
                match v {
                    Value::Null => cols.iter_mut().for_each(|c| c.push(&NULL)),
                    Value::Struct(kv) => {
                        for (i, f) in fields.iter().enumerate() {
                            let x = match kv.get(i) {
                                Some((n, x)) if *n == f.name => x,
                                _ => kv
                                    .iter()
                                    .find(|(n, _)| *n == f.name)
                                    .map_or(&NULL, |(_, x)| x),
                            };
                            cols[i].push(x);
                        }
                        if let Some((n, _)) = kv
                            .iter()
                            .find(|(n, _)| !fields.iter().any(|f| &f.name == n))
                        {
                            return Err(format!("has struct field `{n}` which is not in {t}"));
                        }
                    }
                    other => return Err(mismatch(t, other)),
                }
            }
            let children = fields
                .iter()
                .zip(&cols)
                .map(|(f, c)| build_array(&f.data_type, c).map_err(|e| format!("`{}` {e}", f.name)))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let afields = Fields::from(fields.iter().map(to_arrow_field).collect::<Vec<_>>());
            let nulls = nulls_of(values);
            let arr = if fields.is_empty() {
                StructArray::new_empty_fields(values.len(), nulls)
            } else {
                StructArray::try_new(afields, children, nulls).map_err(|e| e.to_string())?
            };
            Ok(Arc::new(arr))
        }
        DataType::Map(kt, vt) => {
            let mut lengths = Vec::with_capacity(values.len());
            let (mut keys, mut vals) = (Vec::new(), Vec::new());
            for v in values {
                match v {
                    Value::Null => lengths.push(0),
                    Value::Map(entries) => {
                        lengths.push(entries.len());
                        for (k, x) in entries {
                            if k.is_null() {
                                return Err("has a null map key".into());
                            }
                            keys.push(k);
                            vals.push(x);
                        }
                    }
                    other => return Err(mismatch(t, other)),
                }
            }
            let entries_field = map_entries(kt, vt);
            let ADT::Struct(kv_fields) = entries_field.data_type().clone() else {
                unreachable!()
            };
            let entries = StructArray::try_new(
                kv_fields,
                vec![build_array(kt, &keys)?, build_array(vt, &vals)?],
                None,
            )
            .map_err(|e| e.to_string())?;
            let arr = MapArray::try_new(
                entries_field,
                OffsetBuffer::from_lengths(lengths),
                entries,
                nulls_of(values),
                false,
            )
            .map_err(|e| e.to_string())?;
            Ok(Arc::new(arr))
        }
        DataType::Tensor(elem) => {
            let mut shapes: Vec<Value> = Vec::with_capacity(values.len());
            for v in values {
                match v {
                    Value::Null => shapes.push(Value::Null),
                    Value::Tensor(x) if x.elem() == *elem => shapes.push(Value::List(
                        x.shape().iter().map(|&d| Value::UInt(d as u64)).collect(),
                    )),
                    other => return Err(mismatch(t, other)),
                }
            }
            let shape_refs: Vec<&Value> = shapes.iter().collect();
            let shape = build_array(&DataType::List(Box::new(DataType::UInt64)), &shape_refs)?;
            let tensors = values.iter().map(|v| v.as_tensor());
            let data: ArrayRef = match elem {
                TensorElem::U8 => Arc::new(BinaryArray::from_iter(tensors.map(|x| {
                    x.map(|x| match x.data() {
                        TensorData::U8(d) => d.as_slice(),
                        TensorData::F32(_) => &[][..],
                    })
                }))),
                TensorElem::F32 => {
                    let mut lengths = Vec::with_capacity(values.len());
                    let mut flat: Vec<f32> = Vec::new();
                    for x in tensors {
                        if let Some(TensorData::F32(d)) = x.map(Tensor::data) {
                            flat.extend_from_slice(d);
                            lengths.push(d.len());
                        } else {
                            lengths.push(0);
                        }
                    }
                    let child = Arc::new(PrimitiveArray::<Float32Type>::from(flat));
                    Arc::new(
                        ListArray::try_new(
                            Arc::new(AField::new("item", ADT::Float32, true)),
                            OffsetBuffer::from_lengths(lengths),
                            child,
                            None,
                        )
                        .map_err(|e| e.to_string())?,
                    )
                }
            };
            let arr =
                StructArray::try_new(tensor_fields(*elem), vec![shape, data], nulls_of(values))
                    .map_err(|e| e.to_string())?;
            Ok(Arc::new(arr))
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Arrow -> Records

/// Converts a batch to records (fields in column order; keys from `opts.key_column` if present).
///
/// # Errors
/// [`Error::Schema`] for columns of unsupported Arrow types, and for a batch of more than
/// [`ArrowOptions::max_rows`] rows (before anything is allocated).
pub fn from_record_batch(batch: &RecordBatch, opts: &ArrowOptions) -> Result<Vec<Record>> {
    let n = batch.num_rows();
    if n > opts.max_rows {
        return Err(Error::Schema(format!(
            "a record batch of {n} rows is over the limit of {} (ArrowOptions::with_max_rows)",
            opts.max_rows
        )));
    }
    let schema = batch.schema();
    let mut keys: Option<Vec<Value>> = None;
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for (f, col) in schema.fields().iter().zip(batch.columns()) {
        if Some(f.name()) == opts.key_column.as_ref() {
            keys = Some(array_values(col.as_ref(), f)?);
            continue;
        }
        names.push(f.name().clone());
        columns.push(array_values(col.as_ref(), f)?.into_iter());
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let fields = names
            .iter()
            .zip(columns.iter_mut())
            .map(|(name, col)| (name.clone(), col.next().unwrap_or_default()))
            .collect();
        let key = match &keys {
            Some(k) => match &k[i] {
                Value::Str(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            },
            None => String::new(),
        };
        out.push(Record::from_parts(key, fields));
    }
    Ok(out)
}

fn prim<T: ArrowPrimitiveType>(a: &dyn Array, f: impl Fn(T::Native) -> Value) -> Vec<Value> {
    let arr = a.as_primitive::<T>();
    (0..arr.len())
        .map(|i| {
            if arr.is_null(i) {
                Value::Null
            } else {
                f(arr.value(i))
            }
        })
        .collect()
}

fn list_values<O: arrow_array::OffsetSizeTrait>(
    a: &dyn Array,
    item: &AField,
) -> Result<Vec<Value>> {
    let arr = a.as_list::<O>();
    let child = array_values(arr.values().as_ref(), item)?;
    let offs = arr.value_offsets();
    Ok((0..arr.len())
        .map(|i| {
            if arr.is_null(i) {
                Value::Null
            } else {
                Value::List(child[offs[i].as_usize()..offs[i + 1].as_usize()].to_vec())
            }
        })
        .collect())
}

/// Converts one Arrow array to values, following the field's extension metadata.
pub fn array_values(a: &dyn Array, field: &AField) -> Result<Vec<Value>> {
    if field.metadata().get(EXT_KEY).map(String::as_str) == Some(TENSOR_EXTENSION) {
        return tensor_values(a, field);
    }
    let unsupported = || {
        Error::Schema(format!(
            "field `{}`: unsupported Arrow type {}",
            field.name(),
            a.data_type()
        ))
    };
    let n = a.len();
    Ok(match a.data_type() {
        ADT::Null => vec![Value::Null; n],
        ADT::Boolean => {
            let arr = a.as_boolean();
            (0..n)
                .map(|i| {
                    if arr.is_null(i) {
                        Value::Null
                    } else {
                        Value::Bool(arr.value(i))
                    }
                })
                .collect()
        }
        ADT::Int8 => prim::<Int8Type>(a, |x| Value::Int(x.into())),
        ADT::Int16 => prim::<Int16Type>(a, |x| Value::Int(x.into())),
        ADT::Int32 => prim::<Int32Type>(a, |x| Value::Int(x.into())),
        ADT::Int64 => prim::<Int64Type>(a, Value::Int),
        ADT::UInt8 => prim::<UInt8Type>(a, |x| Value::UInt(x.into())),
        ADT::UInt16 => prim::<UInt16Type>(a, |x| Value::UInt(x.into())),
        ADT::UInt32 => prim::<UInt32Type>(a, |x| Value::UInt(x.into())),
        ADT::UInt64 => prim::<UInt64Type>(a, Value::UInt),
        ADT::Float32 => prim::<Float32Type>(a, |x| Value::Float(x.into())),
        ADT::Float64 => prim::<Float64Type>(a, Value::Float),
        ADT::Timestamp(u, _) => {
            let unit = from_arrow_unit(u);
            let f = move |value| Value::Timestamp { value, unit };
            match u {
                AUnit::Second => prim::<TimestampSecondType>(a, f),
                AUnit::Millisecond => prim::<TimestampMillisecondType>(a, f),
                AUnit::Microsecond => prim::<TimestampMicrosecondType>(a, f),
                AUnit::Nanosecond => prim::<TimestampNanosecondType>(a, f),
            }
        }
        ADT::Utf8 => str_values(a.as_string::<i32>().iter()),
        ADT::LargeUtf8 => str_values(a.as_string::<i64>().iter()),
        ADT::Utf8View => str_values(a.as_string_view().iter()),
        ADT::Binary => bin_values(a.as_binary::<i32>().iter()),
        ADT::LargeBinary => bin_values(a.as_binary::<i64>().iter()),
        ADT::BinaryView => bin_values(a.as_binary_view().iter()),
        ADT::FixedSizeBinary(_) => bin_values(a.as_fixed_size_binary().iter()),
        ADT::List(item) => list_values::<i32>(a, item)?,
        ADT::LargeList(item) => list_values::<i64>(a, item)?,
        ADT::FixedSizeList(item, size) => {
            let arr = a.as_fixed_size_list();
            let child = array_values(arr.values().as_ref(), item)?;
            let size = *size as usize;
            (0..n)
                .map(|i| {
                    if arr.is_null(i) {
                        Value::Null
                    } else {
                        let start = arr.value_offset_at(i);
                        Value::List(child[start..start + size].to_vec())
                    }
                })
                .collect()
        }
        ADT::Struct(fields) => {
            let arr = a.as_struct();
            // A child of a null row holds filler (Parquet readers give non-nullable children no
            // nulls there), which may not decode (an empty tensor): mask it with the row's null.
            let parent = arr.nulls().filter(|n| n.null_count() > 0);
            let cols = fields
                .iter()
                .zip(arr.columns())
                .map(|(f, c)| match parent {
                    Some(parent) if c.data_type() != &ADT::Null => {
                        let nulls = NullBuffer::union(Some(parent), c.nulls());
                        let data = c.to_data().into_builder().nulls(nulls).build()?;
                        array_values(arrow_array::make_array(data).as_ref(), f)
                    }
                    _ => array_values(c.as_ref(), f),
                })
                .collect::<Result<Vec<_>>>()?;
            (0..n)
                .map(|i| {
                    if arr.is_null(i) {
                        Value::Null
                    } else {
                        Value::Struct(
                            fields
                                .iter()
                                .zip(&cols)
                                .map(|(f, c)| (f.name().clone(), c[i].clone()))
                                .collect(),
                        )
                    }
                })
                .collect()
        }
        ADT::Map(entries, _) => {
            let arr: &MapArray = a.as_map();
            let ADT::Struct(kv) = entries.data_type() else {
                return Err(unsupported());
            };
            let keys = array_values(arr.keys().as_ref(), &kv[0])?;
            let vals = array_values(arr.values().as_ref(), &kv[1])?;
            let offs = arr.value_offsets();
            (0..n)
                .map(|i| {
                    if arr.is_null(i) {
                        Value::Null
                    } else {
                        let (s, e) = (offs[i] as usize, offs[i + 1] as usize);
                        Value::Map(
                            keys[s..e]
                                .iter()
                                .cloned()
                                .zip(vals[s..e].iter().cloned())
                                .collect(),
                        )
                    }
                })
                .collect()
        }
        ADT::Dictionary(_, vt) => {
            let dict = a.as_any_dictionary();
            let values = array_values(
                dict.values().as_ref(),
                &AField::new(field.name(), (**vt).clone(), true),
            )?;
            let keys = dict.normalized_keys();
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Value::Null
                    } else {
                        values.get(keys[i]).cloned().unwrap_or_default()
                    }
                })
                .collect()
        }
        _ => return Err(unsupported()),
    })
}

fn str_values<'a>(it: impl Iterator<Item = Option<&'a str>>) -> Vec<Value> {
    it.map(|s| s.map_or(Value::Null, |s| Value::Str(s.to_owned())))
        .collect()
}

fn bin_values<'a>(it: impl Iterator<Item = Option<&'a [u8]>>) -> Vec<Value> {
    it.map(|s| s.map_or(Value::Null, |s| Value::Bytes(s.to_vec())))
        .collect()
}

fn tensor_values(a: &dyn Array, field: &AField) -> Result<Vec<Value>> {
    let bad = |m: &str| {
        Error::Schema(format!(
            "field `{}`: malformed tensor column: {m}",
            field.name()
        ))
    };
    let ADT::Struct(fields) = a.data_type() else {
        return Err(bad("not a struct"));
    };
    let arr = a.as_struct();
    let plain = |name: &str| -> Result<Vec<Value>> {
        let i = fields
            .iter()
            .position(|f| f.name() == name)
            .ok_or_else(|| bad(name))?;
        // Without the extension marker: plain values.
        array_values(
            arr.column(i).as_ref(),
            &AField::new(name, fields[i].data_type().clone(), true),
        )
    };
    let shapes = plain("shape")?;
    let data = plain("data")?;
    (0..a.len())
        .map(|i| {
            if arr.is_null(i) {
                return Ok(Value::Null);
            }
            let shape = shapes[i]
                .as_list()
                .ok_or_else(|| bad("null shape"))?
                .iter()
                .map(|d| {
                    d.as_u64()
                        .map(|d| d as usize)
                        .ok_or_else(|| bad("bad dimension"))
                })
                .collect::<Result<Vec<_>>>()?;
            let t = match &data[i] {
                Value::Bytes(b) => Tensor::u8(shape, b.clone())?,
                Value::List(xs) => Tensor::f32(
                    shape,
                    xs.iter()
                        .map(|x| {
                            x.as_f64()
                                .map(|x| x as f32)
                                .ok_or_else(|| bad("null element"))
                        })
                        .collect::<Result<_>>()?,
                )?,
                _ => return Err(bad("null data")),
            };
            Ok(Value::Tensor(t))
        })
        .collect()
}

/// Infers a schema from `records` and converts them in one call.
pub fn records_to_batch(records: &[Record], opts: &ArrowOptions) -> Result<RecordBatch> {
    let schema = Schema::infer(records)?;
    to_record_batch(records, &schema, opts)
}

//! The natural JSON mapping of values and records, as used by JSONL files.
//!
//! Writing: null, booleans, numbers, strings, lists and structs map to their JSON counterparts;
//! bytes become standard base64 strings; maps with string keys become objects and other maps arrays
//! of `[key, value]` pairs; timestamps become their integer count of units; tensors become
//! `{"shape": [...], "data": [...]}` (u8 data as base64). Reading: objects become structs (field
//! order kept), arrays lists, integers `Int` (or `UInt` above `i64::MAX`), other numbers `Float`.
//! JSON cannot tell bytes from text on its own: a reader with a schema converts base64 back.
//!
//! Parsing goes straight from text to [`Value`] (no intermediate `serde_json::Value`).
//!
//! ```
//! use dataprep_core::json::{record_from_json, record_to_json};
//! let r = record_from_json(r#"{"id": 7, "text": "hi", "tags": ["a"], "m": {"x": 1.5}}"#)?;
//! assert_eq!(r.i64("id")?, 7);
//! assert_eq!(record_to_json(&r), r#"{"id":7,"text":"hi","tags":["a"],"m":{"x":1.5}}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use base64::Engine as _;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserializer, Serialize, Serializer};

use crate::error::RecordError;
use crate::record::Record;
use crate::value::{TensorData, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Serialises a value with the natural JSON mapping (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct JsonValue<'a>(pub &'a Value);

/// Serialises a record as a JSON object (fields in order; the key is not written).
#[derive(Debug, Clone, Copy)]
pub struct JsonRecord<'a>(pub &'a Record);

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::UInt(u) => s.serialize_u64(*u),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(x) => s.serialize_str(x),
            Value::Bytes(b) => s.serialize_str(&B64.encode(b)),
            Value::List(xs) => {
                let mut seq = s.serialize_seq(Some(xs.len()))?;
                for x in xs {
                    seq.serialize_element(&JsonValue(x))?;
                }
                seq.end()
            }
            Value::Struct(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, &JsonValue(v))?;
                }
                map.end()
            }
            Value::Map(entries) => {
                if entries.iter().all(|(k, _)| matches!(k, Value::Str(_))) {
                    let mut map = s.serialize_map(Some(entries.len()))?;
                    for (k, v) in entries {
                        map.serialize_entry(&JsonValue(k), &JsonValue(v))?;
                    }
                    map.end()
                } else {
                    let mut seq = s.serialize_seq(Some(entries.len()))?;
                    for (k, v) in entries {
                        seq.serialize_element(&[JsonValue(k), JsonValue(v)])?;
                    }
                    seq.end()
                }
            }
            Value::Timestamp { value, .. } => s.serialize_i64(*value),
            Value::Tensor(t) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("shape", t.shape())?;
                match t.data() {
                    TensorData::F32(d) => map.serialize_entry("data", d)?,
                    TensorData::U8(d) => map.serialize_entry("data", &B64.encode(d))?,
                }
                map.end()
            }
        }
    }
}

impl Serialize for JsonRecord<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            map.serialize_entry(k, &JsonValue(v))?;
        }
        map.end()
    }
}

/// The natural JSON of a value.
pub fn value_to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(JsonValue(v)).unwrap_or(serde_json::Value::Null)
}

// The JSON form of a value is defined here, above `value`, so that `value` needs no JSON.
impl Value {
    /// Converts to JSON. Bytes become base64-free arrays of numbers only if small; see
    /// [`crate::json`] for the full, reversible mapping used by the JSONL writer.
    pub fn to_json(&self) -> serde_json::Value {
        value_to_json(self)
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            other => write!(f, "{}", other.to_json()),
        }
    }
}

/// A record as one line of compact JSON (no trailing newline).
pub fn record_to_json(r: &Record) -> String {
    let mut out = Vec::with_capacity(r.approx_size() + 16);
    write_record_json(r, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes a record as compact JSON to `w` (no trailing newline).
pub fn write_record_json<W: std::io::Write>(r: &Record, w: W) -> std::io::Result<()> {
    serde_json::to_writer(w, &JsonRecord(r)).map_err(std::io::Error::other)
}

/// Decodes a base64 string as written for bytes fields.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    B64.decode(s).ok()
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::UInt(v), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(ValueSeed)? {
            out.push(v);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out: Vec<(String, Value)> =
            Vec::with_capacity(map.size_hint().unwrap_or(0).min(256));
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(ValueSeed)?;
            // Duplicate keys: the last one wins, as in most JSON parsers.
            match out.iter_mut().find(|(n, _)| *n == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
        Ok(Value::Struct(out))
    }
}

/// Parses one JSON value with the natural mapping.
///
/// # Errors
/// A [`RecordError`] of kind `Parse` with serde_json's message (line and column).
pub fn value_from_json(text: &str) -> Result<Value, RecordError> {
    let mut de = serde_json::Deserializer::from_str(text);
    // Documents can be deeply nested; serde_json's recursion limit (128) guards the stack.
    let v = ValueSeed
        .deserialize(&mut de)
        .map_err(|e| RecordError::parse(format!("invalid JSON: {e}")))?;
    de.end()
        .map_err(|e| RecordError::parse(format!("invalid JSON: {e}")))?;
    Ok(v)
}

/// Parses a JSON object into a record (fields in the object's order; the key is left empty).
///
/// # Errors
/// A [`RecordError`] of kind `Parse` for invalid JSON or a value that is not an object.
pub fn record_from_json(text: &str) -> Result<Record, RecordError> {
    match value_from_json(text)? {
        Value::Struct(fields) => Ok(Record::from_parts(String::new(), fields)),
        other => Err(RecordError::parse(format!(
            "expected a JSON object, found {}",
            other.type_name()
        ))),
    }
}

/// Serde helper for the natural mapping (`#[serde(with = "dataprep_core::json::natural")]`).
pub mod natural {
    use super::*;

    /// Serialises with the natural mapping.
    pub fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        JsonValue(v).serialize(s)
    }

    /// Deserialises with the natural mapping.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        ValueSeed.deserialize(d)
    }
}

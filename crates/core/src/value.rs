//! [`Value`]: one typed field value, and the n-d [`Tensor`].

/// Unit of a [`Value::Timestamp`], as in Arrow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Seconds since the Unix epoch.
    Second,
    /// Milliseconds since the Unix epoch.
    Millisecond,
    /// Microseconds since the Unix epoch.
    Microsecond,
    /// Nanoseconds since the Unix epoch.
    Nanosecond,
}

/// The elements of a [`Tensor`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TensorData {
    /// 32-bit floats (features, embeddings, normalised pixels, audio).
    F32(Vec<f32>),
    /// Bytes (raw pixels, token ids that fit a byte, masks).
    U8(Vec<u8>),
}

impl TensorData {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            TensorData::F32(v) => v.len(),
            TensorData::U8(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A dense n-dimensional array in row-major (C) order.
///
/// ```
/// use dataprep_core::Tensor;
/// let t = Tensor::f32(vec![2, 3], vec![0.0; 6])?;
/// assert_eq!(t.shape(), &[2, 3]);
/// assert!(Tensor::u8(vec![2, 2], vec![0; 3]).is_err());
/// # Ok::<(), dataprep_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tensor {
    shape: Vec<usize>,
    data: TensorData,
}

impl Tensor {
    /// A tensor from a shape and data; errors when the element count does not match the shape.
    pub fn new(shape: Vec<usize>, data: TensorData) -> crate::Result<Self> {
        let expected = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if expected != Some(data.len()) {
            return Err(crate::Error::Schema(format!(
                "tensor shape {shape:?} needs {} elements, got {}",
                expected.map_or_else(|| "too many".to_string(), |n| n.to_string()),
                data.len()
            )));
        }
        Ok(Tensor { shape, data })
    }

    /// An f32 tensor.
    pub fn f32(shape: Vec<usize>, data: Vec<f32>) -> crate::Result<Self> {
        Self::new(shape, TensorData::F32(data))
    }

    /// A u8 tensor.
    pub fn u8(shape: Vec<usize>, data: Vec<u8>) -> crate::Result<Self> {
        Self::new(shape, TensorData::U8(data))
    }

    /// The shape (one entry per dimension).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The elements in row-major order.
    pub fn data(&self) -> &TensorData {
        &self.data
    }

    /// Takes the shape and elements apart.
    pub fn into_parts(self) -> (Vec<usize>, TensorData) {
        (self.shape, self.data)
    }

    /// The element type.
    pub fn elem(&self) -> TensorElem {
        match self.data {
            TensorData::F32(_) => TensorElem::F32,
            TensorData::U8(_) => TensorElem::U8,
        }
    }
}

/// Element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TensorElem {
    /// `f32`.
    F32,
    /// `u8`.
    U8,
}

/// One field value of a [`crate::Record`].
///
/// Integer widths, float widths and timestamp time zones live in the [`crate::Schema`]; a value keeps
/// the widest representation, so converting to Arrow and back is lossless.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// Missing / null.
    #[default]
    Null,
    /// Boolean.
    Bool(bool),
    /// Signed integer.
    Int(i64),
    /// Unsigned integer.
    UInt(u64),
    /// Floating point.
    Float(f64),
    /// UTF-8 text.
    Str(String),
    /// Raw bytes (for example encoded media).
    Bytes(Vec<u8>),
    /// A list of values of one type.
    List(Vec<Value>),
    /// Named fields, in order.
    Struct(Vec<(String, Value)>),
    /// Key/value pairs, in order.
    Map(Vec<(Value, Value)>),
    /// A point in time.
    Timestamp {
        /// Count of `unit`s since the Unix epoch.
        value: i64,
        /// The unit.
        unit: TimeUnit,
    },
    /// A dense n-d tensor.
    Tensor(Tensor),
}

impl Value {
    /// The type name used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::UInt(_) => "uint",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Struct(_) => "struct",
            Value::Map(_) => "map",
            Value::Timestamp { .. } => "timestamp",
            Value::Tensor(_) => "tensor",
        }
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, if this is a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The value as `i64`, if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::UInt(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    /// The value as `u64`, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Int(i) => u64::try_from(i).ok(),
            Value::UInt(u) => Some(u),
            _ => None,
        }
    }

    /// The value as `f64`, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Float(f) => Some(f),
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The list items, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) => Some(v),
            _ => None,
        }
    }

    /// The struct fields, if this is a struct.
    pub fn as_struct(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Struct(v) => Some(v),
            _ => None,
        }
    }

    /// A field of a struct value by name.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.as_struct()?
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The tensor, if this is one.
    pub fn as_tensor(&self) -> Option<&Tensor> {
        match self {
            Value::Tensor(t) => Some(t),
            _ => None,
        }
    }

    /// Approximate heap + inline size in bytes, used for byte metrics and memory budgets.
    pub fn approx_size(&self) -> usize {
        match self {
            Value::Null | Value::Bool(_) => 1,
            Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Timestamp { .. } => 8,
            Value::Str(s) => s.len(),
            Value::Bytes(b) => b.len(),
            Value::List(v) => v.iter().map(Value::approx_size).sum(),
            Value::Struct(v) => v.iter().map(|(k, v)| k.len() + v.approx_size()).sum(),
            Value::Map(v) => v
                .iter()
                .map(|(k, v)| k.approx_size() + v.approx_size())
                .sum(),
            Value::Tensor(t) => {
                8 * t.shape().len()
                    + match t.data() {
                        TensorData::F32(d) => 4 * d.len(),
                        TensorData::U8(d) => d.len(),
                    }
            }
        }
    }
}

macro_rules! from_int {
    ($variant:ident, $as:ty: $($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(v as $as)
            }
        }
    )*};
}
from_int!(Int, i64: i8, i16, i32, i64);
from_int!(UInt, u64: u8, u16, u32, u64);

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::UInt(v as u64)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float(v as f64)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_owned())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Bytes(v.to_vec())
    }
}
impl From<Tensor> for Value {
    fn from(v: Tensor) -> Self {
        Value::Tensor(v)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

//! Proptest strategies for schemas and records, shared by the test suites of every dataprep crate
//! (feature `testing`).
//!
//! ```
//! use dataprep_core::testing::{TypeOptions, arb_schema_and_records};
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//! let mut runner = TestRunner::deterministic();
//! let (schema, records) = arb_schema_and_records(TypeOptions::default(), 1..4, 0..5)
//!     .new_tree(&mut runner)
//!     .unwrap()
//!     .current();
//! assert!(records.iter().all(|r| schema.check(r).is_ok()));
//! ```

use std::ops::Range;

use proptest::prelude::*;

use crate::{DataType, Field, Record, Schema, Tensor, TensorElem, TimeUnit, Value};

/// Which types the strategies generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeOptions {
    /// Allow structs without fields (Arrow can hold them; Parquet cannot).
    pub empty_structs: bool,
    /// Nesting depth of lists, structs and maps.
    pub depth: u32,
}

impl Default for TypeOptions {
    fn default() -> Self {
        TypeOptions {
            empty_structs: true,
            depth: 3,
        }
    }
}

impl TypeOptions {
    /// Without structs that have no fields.
    pub fn without_empty_structs(mut self) -> Self {
        self.empty_structs = false;
        self
    }
}

/// Every non-nested type (each integer and float width, timestamps with and without a zone,
/// both tensor element types, and `Null`).
pub fn arb_leaf_type() -> BoxedStrategy<DataType> {
    prop_oneof![
        Just(DataType::Bool),
        Just(DataType::Int8),
        Just(DataType::Int16),
        Just(DataType::Int32),
        Just(DataType::Int64),
        Just(DataType::UInt8),
        Just(DataType::UInt16),
        Just(DataType::UInt32),
        Just(DataType::UInt64),
        Just(DataType::Float32),
        Just(DataType::Float64),
        Just(DataType::Utf8),
        Just(DataType::Binary),
        Just(DataType::Timestamp(TimeUnit::Millisecond, None)),
        Just(DataType::Timestamp(
            TimeUnit::Nanosecond,
            Some("UTC".into())
        )),
        Just(DataType::Tensor(TensorElem::F32)),
        Just(DataType::Tensor(TensorElem::U8)),
        Just(DataType::Null),
    ]
    .boxed()
}

/// Any type, nested up to `opts.depth` (lists, structs, maps with string or integer keys).
pub fn arb_type(opts: TypeOptions) -> BoxedStrategy<DataType> {
    let min_fields = if opts.empty_structs { 0 } else { 1 };
    arb_leaf_type()
        .prop_recursive(opts.depth, 16, 4, move |inner| {
            prop_oneof![
                inner.clone().prop_map(|t| DataType::List(Box::new(t))),
                prop::collection::vec((inner.clone(), any::<bool>()), min_fields..4)
                    .prop_map(|fs| DataType::Struct(fields_of(fs, "f"))),
                (
                    prop_oneof![Just(DataType::Utf8), Just(DataType::Int32)],
                    inner
                )
                    .prop_map(|(k, v)| DataType::Map(Box::new(k), Box::new(v))),
            ]
        })
        .boxed()
}

/// Named fields `{prefix}0, {prefix}1, …`; a `Null`-typed field is always nullable.
fn fields_of(fs: Vec<(DataType, bool)>, prefix: &str) -> Vec<Field> {
    fs.into_iter()
        .enumerate()
        .map(|(i, (t, nullable))| {
            let nullable = nullable || t == DataType::Null;
            Field::new(format!("{prefix}{i}"), t, nullable)
        })
        .collect()
}

/// A value of type `t` (null one time in five when `nullable`). Floats are finite, and `Float32`
/// values are exactly representable as `f32`, so round trips compare equal.
pub fn arb_value(t: &DataType, nullable: bool) -> BoxedStrategy<Value> {
    let non_null: BoxedStrategy<Value> = match t.clone() {
        DataType::Null => return Just(Value::Null).boxed(),
        DataType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        DataType::Int8 => any::<i8>().prop_map(Value::from).boxed(),
        DataType::Int16 => any::<i16>().prop_map(Value::from).boxed(),
        DataType::Int32 => any::<i32>().prop_map(Value::from).boxed(),
        DataType::Int64 => any::<i64>().prop_map(Value::from).boxed(),
        DataType::UInt8 => any::<u8>().prop_map(Value::from).boxed(),
        DataType::UInt16 => any::<u16>().prop_map(Value::from).boxed(),
        DataType::UInt32 => any::<u32>().prop_map(Value::from).boxed(),
        DataType::UInt64 => any::<u64>().prop_map(Value::from).boxed(),
        DataType::Float32 => any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Value::Float(f as f64))
            .boxed(),
        DataType::Float64 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float)
            .boxed(),
        DataType::Utf8 => ".{0,12}".prop_map(Value::Str).boxed(),
        DataType::Binary => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(Value::Bytes)
            .boxed(),
        DataType::Timestamp(unit, _) => any::<i64>()
            .prop_map(move |value| Value::Timestamp { value, unit })
            .boxed(),
        DataType::Tensor(elem) => prop::collection::vec(0usize..4, 0..3)
            .prop_flat_map(move |shape| {
                let n: usize = shape.iter().product();
                match elem {
                    TensorElem::F32 => prop::collection::vec(-1e6f32..1e6, n)
                        .prop_map(move |d| {
                            Value::Tensor(Tensor::f32(shape.clone(), d).expect("shape fits"))
                        })
                        .boxed(),
                    TensorElem::U8 => prop::collection::vec(any::<u8>(), n)
                        .prop_map(move |d| {
                            Value::Tensor(Tensor::u8(shape.clone(), d).expect("shape fits"))
                        })
                        .boxed(),
                }
            })
            .boxed(),
        DataType::List(item) => prop::collection::vec(arb_value(&item, true), 0..4)
            .prop_map(Value::List)
            .boxed(),
        DataType::Struct(fields) => arb_fields(&fields).prop_map(Value::Struct).boxed(),
        DataType::Map(k, v) => {
            prop::collection::vec((arb_value(&k, false), arb_value(&v, true)), 0..3)
                .prop_map(Value::Map)
                .boxed()
        }
    };
    if nullable {
        prop_oneof![1 => Just(Value::Null), 4 => non_null].boxed()
    } else {
        non_null
    }
}

/// Values for every field, in field order.
fn arb_fields(fields: &[Field]) -> BoxedStrategy<Vec<(String, Value)>> {
    let strategies: Vec<BoxedStrategy<(String, Value)>> = fields
        .iter()
        .map(|f| {
            let name = f.name.clone();
            arb_value(&f.data_type, f.nullable)
                .prop_map(move |v| (name.clone(), v))
                .boxed()
        })
        .collect();
    strategies.boxed()
}

/// A schema of columns `c0, c1, …` with `fields` columns.
pub fn arb_schema(opts: TypeOptions, fields: Range<usize>) -> BoxedStrategy<Schema> {
    prop::collection::vec((arb_type(opts), any::<bool>()), fields)
        .prop_map(|fs| Schema::new(fields_of(fs, "c")))
        .boxed()
}

/// A schema and `rows` records that fit it, every field present (nullable ones possibly null),
/// keys `k0, k1, …`.
pub fn arb_schema_and_records(
    opts: TypeOptions,
    fields: Range<usize>,
    rows: Range<usize>,
) -> BoxedStrategy<(Schema, Vec<Record>)> {
    arb_schema(opts, fields)
        .prop_flat_map(move |schema| {
            let records =
                prop::collection::vec(arb_fields(&schema.fields), rows.clone()).prop_map(|rows| {
                    rows.into_iter()
                        .enumerate()
                        .map(|(i, fields)| Record::from_parts(format!("k{i}"), fields))
                        .collect::<Vec<_>>()
                });
            (Just(schema), records)
        })
        .boxed()
}

/// True when `python3` can import `module` (for interop tests against the reference libraries);
/// otherwise prints `SKIPPED {test}: …` to stderr so the skip shows in the test log.
pub fn python_has(module: &str, test: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED {test}: python3 with `{module}` is not available (pip install it)");
    }
    ok
}

/// `python3 -c script`, ready for `.arg(..)` and `.env(..)`.
pub fn python(script: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new("python3");
    cmd.args(["-c", script]);
    cmd
}

/// Runs `cmd` and returns its standard output.
///
/// # Panics
/// When the command cannot start, exits unsuccessfully (the message carries its stderr), or
/// prints invalid UTF-8 — this is for tests.
pub fn stdout_of(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("python3 starts");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

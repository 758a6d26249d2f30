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

/// SplitMix64: a tiny deterministic generator for test inputs (worst-case texts, kill delays),
/// the same stream on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0; the modulo bias is irrelevant for test inputs).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `n` characters drawn from `alphabet` (ASCII bytes), so `n` bytes.
    pub fn run_of(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }
}

/// Crash tests with real processes: a test re-executes its own test binary as a child that runs
/// a workload into a directory, kills it with SIGKILL at seeded random moments, reruns it to
/// completion, and compares the result with an uninterrupted run.
///
/// The child is an ordinary `#[test]` that returns at once unless [`child_dir`](crash::child_dir) is set (so the
/// suite runs it as a no-op), and otherwise runs the workload into that directory:
///
/// ```no_run
/// use dataprep_core::testing::crash;
/// fn workload(dir: &std::path::Path) { /* write files, resuming if the writer can */ }
///
/// #[test]
/// fn crash_child() {
///     if let Some(dir) = crash::child_dir() {
///         workload(&dir);
///     }
/// }
///
/// #[test]
/// fn killed_and_rerun_is_byte_identical() {
///     let base = std::env::temp_dir().join("my-crash-test");
///     let (a, b) = (base.join("reference"), base.join("crashed"));
///     let run = crash::kill_and_rerun("crash_child", &a, &b, 15, 7, crash::Rerun::Resumes).unwrap();
///     assert!(run.litter_seen > 0, "no kill landed mid-write: {run:?}");
///     assert_eq!(crash::tree(&a), crash::tree(&b));
///     assert!(crash::temp_litter(&b).is_empty());
/// }
/// ```
pub mod crash {
    use std::collections::BTreeMap;
    use std::io;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// The environment variable that tells the child test where to write.
    pub const DIR_VAR: &str = "DATAPREP_CRASH_CHILD_DIR";

    /// The output directory when this process is a crash-test child, else `None`.
    pub fn child_dir() -> Option<PathBuf> {
        std::env::var_os(DIR_VAR).map(PathBuf::from)
    }

    /// What [`kill_and_rerun`] did.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    #[non_exhaustive]
    pub struct CrashRun {
        /// Children started and killed.
        pub kills: usize,
        /// Of those, the ones still running when the signal was sent (the others had finished).
        pub killed_running: usize,
        /// Temporary files found right after the kills, summed: proof that kills landed
        /// mid-write (each was left for the rerun to clean up).
        pub litter_seen: usize,
        /// The wall time of the uninterrupted child run.
        pub full_run: Duration,
    }

    fn child(test: &str, dir: &Path) -> Command {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut c = Command::new(exe);
        c.args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(DIR_VAR, dir);
        c
    }

    fn run_to_completion(test: &str, dir: &Path) -> io::Result<Duration> {
        let t = Instant::now();
        let out = child(test, dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()?;
        let took = t.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !stdout.contains("1 passed") {
            return Err(io::Error::other(format!(
                "child `{test}` failed ({}):\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(took)
    }

    /// How a workload continues after a kill, which decides when the kills come.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Rerun {
        /// It resumes where the killed run stopped (a sharded writer with a manifest): each
        /// kill comes after between 0.5 and 1.5 times `T / kills`, so that the kills spread
        /// over the whole output.
        Resumes,
        /// It starts again from scratch: each kill comes after between 5% and 100% of `T`.
        Restarts,
    }

    /// Runs the child test `test` to completion into `reference` (timed as `T`), then `kills`
    /// times into `crashed`: starts it and sends SIGKILL after a delay drawn from `seed` as
    /// `rerun` says; then runs it to completion into `crashed`.
    ///
    /// # Errors
    /// When a child cannot be started or a completion run fails (with its output).
    pub fn kill_and_rerun(
        test: &str,
        reference: &Path,
        crashed: &Path,
        kills: usize,
        seed: u64,
        rerun: Rerun,
    ) -> io::Result<CrashRun> {
        let full_run = run_to_completion(test, reference)?;
        let mut run = CrashRun {
            full_run,
            ..CrashRun::default()
        };
        let mut rng = super::SplitMix64(seed);
        let t = full_run.as_micros().max(1) as u64;
        let (span, lo, width) = match rerun {
            Rerun::Resumes => (t / kills.max(1) as u64, 500, 1001),
            Rerun::Restarts => (t, 50, 951),
        };
        for _ in 0..kills {
            let frac = lo + rng.next_u64() % width; // ‰ of the span
            let delay = Duration::from_micros(span * frac / 1000);
            let mut c = child(test, crashed)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?;
            std::thread::sleep(delay);
            if c.try_wait()?.is_none() {
                run.killed_running += 1;
            }
            // `Child::kill` sends SIGKILL on Unix.
            let _ = c.kill();
            c.wait()?;
            run.kills += 1;
            run.litter_seen += temp_litter(crashed).len();
        }
        run_to_completion(test, crashed)?;
        Ok(run)
    }

    /// Every file under `dir` (recursively), by path relative to `dir`, with its bytes.
    pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(p);
                } else if let Ok(bytes) = std::fs::read(&p) {
                    let rel = p.strip_prefix(dir).unwrap_or(&p).to_path_buf();
                    out.insert(rel, bytes);
                }
            }
        }
        out
    }

    /// Asserts that `crashed` holds no temporary file and the same files as `reference`, byte
    /// for byte (`context` is added to the messages); returns the reference's files for further
    /// checks.
    ///
    /// # Panics
    /// When the outputs differ or litter is left: this is a test assertion.
    pub fn assert_same_output_without_litter(
        reference: &Path,
        crashed: &Path,
        context: &dyn std::fmt::Debug,
    ) -> BTreeMap<PathBuf, Vec<u8>> {
        assert_eq!(temp_litter(crashed), Vec::<PathBuf>::new(), "{context:?}");
        let (a, b) = (tree(reference), tree(crashed));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{context:?}"
        );
        for (name, bytes) in &a {
            assert!(
                b[name] == *bytes,
                "{} differs after the crashes",
                name.display()
            );
        }
        a
    }

    /// The temporary files under `dir` (recursively): names of the
    /// [`atomic`](crate::atomic) scheme, and any other hidden name containing `.tmp`.
    pub fn temp_litter(dir: &Path) -> Vec<PathBuf> {
        tree_names(dir)
            .into_iter()
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    crate::atomic::parse_temp_name(n).is_some()
                        || (n.starts_with('.') && n.contains(".tmp"))
                        || n.ends_with(".tmp")
                })
            })
            .collect()
    }

    fn tree_names(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(e.path());
                } else {
                    out.push(e.path());
                }
            }
        }
        out
    }
}

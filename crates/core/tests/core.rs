//! Integration tests of dataprep-core: Arrow round trips, datasets, stages and the pipeline.
//! (One test binary per crate keeps link time and disk use down.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use dataprep_core::arrow::{
    ArrowOptions, from_arrow_schema, from_record_batch, to_arrow_schema, to_record_batch,
};
use dataprep_core::*;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Strategies (shared with the other crates' tests: `dataprep_core::testing`)

fn schema_and_records() -> impl Strategy<Value = (Schema, Vec<Record>)> {
    testing::arb_schema_and_records(testing::TypeOptions::default(), 0..6, 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arrow_round_trip_is_lossless((schema, records) in schema_and_records()) {
        let opts = ArrowOptions::default().with_key_column("_key");
        for r in &records {
            prop_assert!(schema.check(r).is_ok(), "generated record does not fit: {:?}", schema.check(r));
        }
        let batch = to_record_batch(&records, &schema, &opts).unwrap();
        prop_assert_eq!(batch.num_rows(), records.len());
        let back = from_record_batch(&batch, &opts).unwrap();
        prop_assert_eq!(&back, &records);
        // The schema survives the trip through Arrow too.
        let aschema = batch.schema();
        prop_assert_eq!(from_arrow_schema(&aschema, &opts).unwrap(), schema.clone());
        prop_assert_eq!(from_arrow_schema(&to_arrow_schema(&schema), &ArrowOptions::default()).unwrap(), schema);
    }

    #[test]
    fn inferred_schema_accepts_every_record((_schema, records) in schema_and_records()) {
        // Inference over the records' own values always yields a schema they fit.
        let inferred = Schema::infer(&records).unwrap();
        for r in &records {
            prop_assert!(inferred.check(r).is_ok(), "{:?}", inferred.check(r));
        }
        let batch = to_record_batch(&records, &inferred, &ArrowOptions::default()).unwrap();
        prop_assert_eq!(batch.num_rows(), records.len());
    }

    #[test]
    fn json_round_trip_of_plain_values(
        recs in prop::collection::vec(
            prop::collection::vec(("[a-z]{1,5}", prop_oneof![
                any::<i64>().prop_map(Value::Int),
                any::<bool>().prop_map(Value::Bool),
                ".{0,10}".prop_map(Value::Str),
                (-1e300f64..1e300).prop_map(Value::Float),
                Just(Value::Null),
                prop::collection::vec(any::<i32>().prop_map(Value::from), 0..3).prop_map(Value::List),
            ]), 0..5),
            1..5)
    ) {
        for fields in recs {
            let mut r = Record::new();
            for (k, v) in fields { r.set(k, v); }
            let text = json::record_to_json(&r);
            let back = json::record_from_json(&text).unwrap();
            // Integral floats print as e.g. `1.0` and parse back as floats: exact equality holds.
            prop_assert_eq!(back, r);
        }
    }

    #[test]
    fn shards_partition_any_dataset(n in 0usize..60, world in 1usize..9, inner in 1usize..4) {
        let ds = VecDataset::new((0..n).map(|i| Record::new().with("i", i as i64)).collect());
        let mut seen: Vec<i64> = Vec::new();
        for rank in 0..world {
            for r in ds.open(Shard::new(rank, world).unwrap()).unwrap() {
                seen.push(r.unwrap().i64("i").unwrap());
            }
        }
        seen.sort();
        prop_assert_eq!(seen, (0..n as i64).collect::<Vec<_>>());
        // A fixed shard, sharded again, still partitions that shard.
        let fixed = Shard::new(0, world).unwrap();
        let direct: usize = ds.open(fixed).unwrap().count();
        let nested: usize = (0..inner)
            .map(|k| (&ds).sharded(fixed).open(Shard::new(k, inner).unwrap()).unwrap().count())
            .sum();
        prop_assert_eq!(direct, nested);
    }

    #[test]
    fn pipeline_counts_balance_and_ignore_thread_count(
        n in 0usize..300, batch in 1usize..40, drop_mod in 2u64..7, fail_mod in 3u64..11, split_mod in 4u64..13
    ) {
        let run = |threads: usize| {
            let src = VecDataset::new((0..n).map(|i| Record::new().with("i", i as i64)).collect());
            let mut out = VecSink::default();
            let mut rejects = VecSink::default();
            let mut dropped = VecSink::default();
            let summary = Pipeline::new(&src)
                .stage(chaos_stage(drop_mod, fail_mod, split_mod))
                .stateful(stages::DistinctStage::new("i"))
                .stage(MapStage::new("tag", (), |r: &mut Record, cx: &Context| {
                    let x: u32 = cx.rng(r).random();
                    r.set("rnd", x as i64);
                    Ok(())
                }))
                .sink(&mut out)
                .rejects(&mut rejects)
                .dropped(&mut dropped)
                .with_threads(threads)
                .with_batch_size(batch)
                .with_progress(false)
                .run()
                .unwrap();
            (summary, out.into_records(), rejects.into_records(), dropped.into_records())
        };
        let (s1, o1, r1, d1) = run(1);
        prop_assert!(s1.is_balanced(), "{s1}");
        prop_assert_eq!(s1.read, n as u64);
        prop_assert_eq!(s1.written as usize, o1.len());
        prop_assert_eq!(s1.failed as usize, r1.len());
        prop_assert_eq!(s1.dropped as usize, d1.len());
        for threads in [2, 8] {
            let (s, o, r, d) = run(threads);
            prop_assert_eq!(&o, &o1);
            prop_assert_eq!(&r, &r1);
            prop_assert_eq!(&d, &d1);
            prop_assert_eq!(counts(&s), counts(&s1));
        }
    }
}

/// A stage whose behaviour depends on the record: drops, fails or splits some records.
fn chaos_stage(drop_mod: u64, fail_mod: u64, split_mod: u64) -> impl Stage {
    FlatMapStage::new(
        "chaos",
        (drop_mod, fail_mod, split_mod),
        move |r: &mut Record, _: &Context| {
            let i = r.i64("i")? as u64;
            if i % fail_mod == 1 {
                return Err(RecordError::process(format!("record {i} is cursed")));
            }
            if i.is_multiple_of(drop_mod) {
                return Ok(vec![]);
            }
            let mut out = vec![std::mem::take(r)];
            if i % split_mod == 3 {
                // A duplicate that the DistinctStage will drop, and a fresh record.
                out.push(Record::new().with("i", i as i64));
                out.push(Record::new().with("i", (1_000_000 + i) as i64));
            }
            Ok(out)
        },
    )
}

/// The summary's stage counters without the timings (which vary from run to run).
fn counts(s: &Summary) -> Vec<StageMetrics> {
    s.stages
        .iter()
        .cloned()
        .map(|mut m| {
            m.seconds = 0.0;
            m
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Records, schema, JSON

#[test]
fn typed_accessors_name_the_field() {
    let r = Record::new()
        .with("text", "x")
        .with("n", 5_i64)
        .with("f", 1.5);
    assert_eq!(r.str("text").unwrap(), "x");
    assert_eq!(r.f64("n").unwrap(), 5.0);
    let e = r.i64("text").unwrap_err();
    assert_eq!(
        e,
        FieldError::WrongType {
            field: "text".into(),
            expected: "int",
            found: "string"
        }
    );
    assert_eq!(
        r.str("nope").unwrap_err().to_string(),
        "field `nope` is missing"
    );
    let re: RecordError = e.into();
    assert_eq!(re.kind, RecordErrorKind::Field);
}

#[test]
fn schema_inference_unifies_and_reports_conflicts() {
    let recs = vec![
        Record::new()
            .with("a", 1_i64)
            .with("b", Value::Null)
            .with("s", Value::Struct(vec![("x".into(), 1_i64.into())])),
        Record::new()
            .with("a", 2.5)
            .with("b", "text")
            .with("s", Value::Struct(vec![("y".into(), "z".into())])),
        Record::new().with("a", 3_u64).with("c", true),
    ];
    let s = Schema::infer(&recs).unwrap();
    assert_eq!(s.field("a").unwrap().data_type, DataType::Float64);
    assert_eq!(s.field("b").unwrap().data_type, DataType::Utf8);
    assert!(s.field("b").unwrap().nullable);
    assert!(!s.field("a").unwrap().nullable);
    assert!(
        s.field("c").unwrap().nullable,
        "absent from earlier records"
    );
    let DataType::Struct(fs) = &s.field("s").unwrap().data_type else {
        panic!()
    };
    assert_eq!(
        fs.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["x", "y"]
    );
    let bad = vec![
        Record::new().with("a", 1_i64),
        Record::new().with("a", "one"),
    ];
    let err = Schema::infer(&bad).unwrap_err().to_string();
    assert!(err.contains("`a`") && err.contains("conflicting"), "{err}");
}

#[test]
fn schema_check_rejects_misfits_with_field_names() {
    let schema = Schema::new(vec![
        Field::new("id", DataType::Int32, false),
        Field::new("text", DataType::Utf8, true),
    ]);
    assert!(schema.check(&Record::new().with("id", 1_i64)).is_ok());
    let e = schema
        .check(&Record::new().with("id", 1_i64 << 40))
        .unwrap_err();
    assert!(e.message.contains("`id`"), "{e}");
    let e = schema.check(&Record::new().with("text", "a")).unwrap_err();
    assert!(e.message.contains("non-nullable field `id`"), "{e}");
    let e = schema
        .check(&Record::new().with("id", 1_i64).with("extra", 1_i64))
        .unwrap_err();
    assert!(e.message.contains("`extra`"), "{e}");
    // The Arrow conversion reports the same problem as a record error naming the key.
    let err = to_record_batch(
        &[Record::new().with("id", "x").with_key("k9")],
        &schema,
        &ArrowOptions::default(),
    )
    .unwrap_err()
    .into_record()
    .unwrap();
    assert_eq!(err.kind, RecordErrorKind::Schema);
    assert_eq!(err.key.as_deref(), Some("k9"));
}

#[test]
fn arrow_reads_foreign_variants() {
    use arrow_array::builder::{LargeStringBuilder, StringDictionaryBuilder};
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, FixedSizeListArray, Int32Array, RecordBatch};
    let mut large = LargeStringBuilder::new();
    large.append_value("a");
    large.append_null();
    let mut dict = StringDictionaryBuilder::<Int32Type>::new();
    dict.append_value("x");
    dict.append_value("x");
    let fsl = FixedSizeListArray::from_iter_primitive::<Int32Type, _, _>(
        vec![Some(vec![Some(1), Some(2)]), None],
        2,
    );
    let batch = RecordBatch::try_from_iter(vec![
        ("large", Arc::new(large.finish()) as ArrayRef),
        ("dict", Arc::new(dict.finish()) as ArrayRef),
        ("fsl", Arc::new(fsl) as ArrayRef),
        ("id", Arc::new(Int32Array::from(vec![7, 8])) as ArrayRef),
    ])
    .unwrap();
    let recs = from_record_batch(&batch, &ArrowOptions::default()).unwrap();
    assert_eq!(recs[0].str("large").unwrap(), "a");
    assert!(recs[1].get("large").unwrap().is_null());
    assert_eq!(recs[1].str("dict").unwrap(), "x");
    assert_eq!(
        recs[0].list("fsl").unwrap(),
        &[Value::Int(1), Value::Int(2)]
    );
    assert!(recs[1].get("fsl").unwrap().is_null());
    let schema = from_arrow_schema(&batch.schema(), &ArrowOptions::default()).unwrap();
    assert_eq!(schema.field("dict").unwrap().data_type, DataType::Utf8);
    assert_eq!(schema.field("id").unwrap().data_type, DataType::Int32);
}

#[test]
fn json_parse_errors_are_record_errors() {
    let e = json::record_from_json("{\"a\": 1,").unwrap_err();
    assert_eq!(e.kind, RecordErrorKind::Parse);
    let e = json::record_from_json("[1, 2]").unwrap_err();
    assert!(e.message.contains("expected a JSON object"), "{e}");
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        json::record_from_json(&deep).unwrap_err().kind,
        RecordErrorKind::Parse
    );
    // Bytes are written as base64 and tensors as shape + data.
    let r = Record::new()
        .with("b", vec![0u8, 255])
        .with("t", Tensor::f32(vec![1, 2], vec![0.5, 1.0]).unwrap());
    assert_eq!(
        json::record_to_json(&r),
        r#"{"b":"AP8=","t":{"shape":[1,2],"data":[0.5,1.0]}}"#
    );
    assert_eq!(json::decode_base64("AP8="), Some(vec![0, 255]));
}

#[test]
fn scores_live_under_the_scores_field() {
    let mut r = Record::new().with("text", "abc");
    r.set_score("gopher", "words", 1.0);
    r.set_score("gopher", "mean_len", 3.0);
    r.set_score("c4", "lines", 2.0);
    r.set_score("gopher", "words", 4.0);
    assert_eq!(r.score("gopher", "words"), Some(4.0));
    assert_eq!(
        json::record_to_json(&r),
        r#"{"text":"abc","scores":{"gopher":{"words":4.0,"mean_len":3.0},"c4":{"lines":2.0}}}"#
    );
}

// ---------------------------------------------------------------------------------------------
// Datasets

fn ids(it: Records<'_>) -> Vec<i64> {
    it.map(|r| r.unwrap().i64("i").unwrap()).collect()
}

fn numbers(n: usize) -> VecDataset {
    VecDataset::new((0..n).map(|i| Record::new().with("i", i as i64)).collect())
}

#[test]
fn iterable_adapters() {
    let ds = numbers(20);
    assert_eq!(ids((&ds).skip(5).take(3).iter().unwrap()), vec![5, 6, 7]);
    assert_eq!(
        ids((&ds).take(2).chain(numbers(1)).iter().unwrap()),
        vec![0, 1, 0]
    );
    assert_eq!(
        ids((&ds)
            .map(|mut r| {
                let i = r.i64("i")?;
                r.set("i", i * 10);
                Ok(r)
            })
            .take(3)
            .iter()
            .unwrap()),
        vec![0, 10, 20]
    );
    assert_eq!((&ds).take(7).len_hint(), Some(7));
    // Buffered shuffle: a permutation, reproducible by seed, different for another seed.
    let a = ids((&ds).shuffle(7, 8).iter().unwrap());
    let b = ids((&ds).shuffle(7, 8).iter().unwrap());
    let c = ids((&ds).shuffle(8, 8).iter().unwrap());
    assert_eq!(a, b);
    assert_ne!(a, c);
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    // Take then shard: the shards partition the taken records.
    let t = (&ds).take(9);
    let mut all: Vec<i64> = (0..2)
        .flat_map(|k| ids(t.open(Shard::new(k, 2).unwrap()).unwrap()))
        .collect();
    all.sort();
    assert_eq!(all, (0..9).collect::<Vec<_>>());
    assert!(Shard::new(2, 2).is_err());
    assert!(Shard::new(0, 0).is_err());
}

#[test]
fn random_access_adapters_and_blanket_impls() {
    let ds = numbers(10);
    let shuffled = (&ds).shuffled(3);
    let order: Vec<i64> = (0..shuffled.len())
        .map(|i| shuffled.get(i).unwrap().i64("i").unwrap())
        .collect();
    let again: Vec<i64> = (0..10)
        .map(|i| (&ds).shuffled(3).get(i).unwrap().i64("i").unwrap())
        .collect();
    assert_eq!(order, again);
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    assert_ne!(order, sorted);
    let sl = (&ds).slice(3..6);
    assert_eq!(sl.len(), 3);
    assert_eq!(sl.get(0).unwrap().i64("i").unwrap(), 3);
    assert!(matches!(
        sl.get(3),
        Err(Error::OutOfRange { index: 3, len: 3 })
    ));
    let m = (&ds).mapped(|r| Ok(r.with("x", true)));
    assert!(m.get(1).unwrap().bool("x").unwrap());
    assert_eq!(ids(sl.into_iterable().iter().unwrap()), vec![3, 4, 5]);
    // Box and Arc forward both traits.
    let boxed: Box<dyn Dataset> = Box::new(ds.clone());
    assert_eq!(boxed.len(), 10);
    let arc: Arc<dyn IterableDataset> = Arc::new(ds.clone());
    assert_eq!(arc.iter().unwrap().count(), 10);
    let f = FnDataset::new(|shard: Shard| -> Result<Records<'static>> {
        Ok(shard.stride(Box::new(
            (0..5).map(|i| Ok(Record::new().with("i", i as i64))),
        )))
    });
    assert_eq!(ids(f.open(Shard::new(1, 2).unwrap()).unwrap()), vec![1, 3]);
}

// ---------------------------------------------------------------------------------------------
// Pipeline

fn failing_source(n: usize, bad_every: usize) -> impl IterableDataset {
    FnDataset::new(move |shard: Shard| -> Result<Records<'static>> {
        Ok(shard.stride(Box::new((0..n).map(move |i| {
            if bad_every > 0 && i % bad_every == bad_every - 1 {
                Err(RecordError::parse("invalid JSON: expected value")
                    .with_location(Location::file("in.jsonl").with_line(i as u64 + 1))
                    .into())
            } else {
                Ok(Record::new().with("i", i as i64))
            }
        }))))
    })
}

#[test]
fn source_errors_are_quarantined_with_location() {
    let mut rejects = VecSink::default();
    let summary = Pipeline::new(failing_source(10, 4))
        .rejects(&mut rejects)
        .with_progress(false)
        .run()
        .unwrap();
    assert_eq!((summary.read, summary.written, summary.failed), (10, 8, 2));
    assert!(summary.is_balanced());
    let r = &rejects.records()[0];
    assert_eq!(r.str("_reject_stage").unwrap(), "source");
    assert_eq!(r.str("_reject_kind").unwrap(), "failed");
    assert!(
        r.str("_reject_reason")
            .unwrap()
            .starts_with("in.jsonl:line 4: "),
        "{}",
        r.str("_reject_reason").unwrap()
    );
    assert_eq!(
        summary.stage("source").unwrap().failed_by_kind["parse error"],
        2
    );
}

#[test]
fn error_budget_and_fail_fast() {
    let err = Pipeline::new(failing_source(100, 10))
        .with_error_policy(ErrorPolicy::Skip(ErrorBudget::count(3)))
        .with_progress(false)
        .run()
        .unwrap_err();
    assert!(
        matches!(err, Error::BudgetExceeded { failed: 4, .. }),
        "{err}"
    );
    let ok = Pipeline::new(failing_source(100, 10))
        .with_error_policy(ErrorPolicy::Skip(ErrorBudget::count(10)))
        .with_progress(false)
        .run()
        .unwrap();
    assert_eq!(ok.failed, 10);
    let err = Pipeline::new(failing_source(100, 10))
        .with_error_policy(ErrorPolicy::FailFast)
        .with_progress(false)
        .run()
        .unwrap_err();
    let rec = err.into_record().unwrap();
    assert_eq!(rec.location.unwrap().line, Some(10));
    let err = Pipeline::new(failing_source(2000, 10))
        .with_error_policy(ErrorPolicy::Skip(ErrorBudget::fraction(0.05)))
        .with_progress(false)
        .run()
        .unwrap_err();
    assert!(matches!(err, Error::BudgetExceeded { .. }), "{err}");
    assert!(
        Pipeline::new(failing_source(2000, 10))
            .with_error_policy(ErrorPolicy::Skip(ErrorBudget::fraction(0.2)))
            .with_progress(false)
            .run()
            .is_ok()
    );
}

#[test]
fn stage_failures_keep_the_record_as_it_was() {
    let src = numbers(6);
    let mut rejects = VecSink::default();
    let stage = MapStage::new("odd_fails", (), |r: &mut Record, _: &Context| {
        r.set("touched", true);
        if r.i64("i")? % 2 == 1 {
            Err(RecordError::process("odd"))
        } else {
            Ok(())
        }
    });
    let s = Pipeline::new(&src)
        .stage(stage)
        .rejects(&mut rejects)
        .with_progress(false)
        .run()
        .unwrap();
    assert_eq!((s.written, s.failed), (3, 3));
    let r = &rejects.records()[0];
    assert_eq!(r.i64("i").unwrap(), 1);
    assert!(r.bool("touched").unwrap());
    assert_eq!(r.str("_reject_stage").unwrap(), "odd_fails");
    assert_eq!(r.str("_reject_key").unwrap(), "1");
    assert!(
        r.str("_reject_reason")
            .unwrap()
            .contains("[odd_fails] processing error: odd")
    );
}

/// In-flight records never exceed the batch size, whatever the input size.
#[test]
fn memory_is_bounded_by_the_batch_size() {
    struct Counting(Arc<AtomicUsize>);
    impl Sink for Counting {
        fn write(&mut self, _r: Record) -> Result<()> {
            self.0.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        }
    }
    for n in [1_000usize, 20_000] {
        let live = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (l, p) = (live.clone(), peak.clone());
        let src = FnDataset::new(move |_s: Shard| -> Result<Records<'static>> {
            let (l, p) = (l.clone(), p.clone());
            Ok(Box::new((0..n).map(move |i| {
                let now = l.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                Ok(Record::new().with("i", i as i64))
            })))
        });
        let s = Pipeline::new(src)
            .stage(MapStage::new("noop", (), |_: &mut Record, _: &Context| {
                Ok(())
            }))
            .sink(Counting(live.clone()))
            .with_batch_size(64)
            .with_threads(2)
            .with_progress(false)
            .run()
            .unwrap();
        assert_eq!(s.written as usize, n);
        assert_eq!(live.load(Ordering::SeqCst), 0);
        assert!(
            peak.load(Ordering::SeqCst) <= 64,
            "peak {}",
            peak.load(Ordering::SeqCst)
        );
    }
}

#[test]
fn stateful_finish_flushes_through_the_rest_of_the_chain() {
    /// Holds every third record back and releases them at the end.
    struct HoldBack(Vec<Record>);
    impl StatefulStage for HoldBack {
        fn version(&self) -> &str {
            concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
        }

        fn name(&self) -> &str {
            "hold_back"
        }
        fn config(&self) -> serde_json::Value {
            serde_json::Value::Null
        }
        fn process(&mut self, r: &mut Record, _: &Context) -> Result<Action, RecordError> {
            if r.i64("i")? % 3 == 0 {
                self.0.push(std::mem::take(r));
                return Ok(Action::Replace(vec![]));
            }
            Ok(Action::Keep)
        }
        fn finish(&mut self, _: &Context) -> Result<Vec<Record>> {
            Ok(std::mem::take(&mut self.0))
        }
    }
    let src = numbers(9);
    let mut out = VecSink::default();
    let s = Pipeline::new(&src)
        .stateful(HoldBack(vec![]))
        .stage(MapStage::new("mark", (), |r: &mut Record, _: &Context| {
            r.set("marked", true);
            Ok(())
        }))
        .sink(&mut out)
        .with_batch_size(4)
        .with_progress(false)
        .run()
        .unwrap();
    let got: Vec<i64> = out.records().iter().map(|r| r.i64("i").unwrap()).collect();
    assert_eq!(got, vec![1, 2, 4, 5, 7, 8, 0, 3, 6]);
    assert!(out.records().iter().all(|r| r.bool("marked").unwrap()));
    let hb = s.stage("hold_back").unwrap();
    assert_eq!(
        (hb.records_in, hb.dropped, hb.created, hb.records_out),
        (9, 3, 3, 9)
    );
    assert!(s.is_balanced(), "{s}");
}

#[test]
fn flat_map_children_get_distinct_keys_and_rng_streams() {
    let src = VecDataset::new(vec![Record::new().with("doc", "a b c").with_key("d1")]);
    let split = FlatMapStage::new("words", (), |r: &mut Record, _: &Context| {
        Ok(r.str("doc")?
            .split(' ')
            .map(|w| Record::new().with("w", w))
            .collect())
    });
    let mut out = VecSink::default();
    Pipeline::new(&src)
        .stage(split)
        .stage(MapStage::new("rng", (), |r: &mut Record, cx: &Context| {
            let x: u64 = cx.rng(r).random();
            r.set("x", x);
            Ok(())
        }))
        .sink(&mut out)
        .with_progress(false)
        .run()
        .unwrap();
    let keys: Vec<&str> = out.records().iter().map(Record::key).collect();
    assert_eq!(keys, ["d1#0", "d1#1", "d1#2"]);
    let xs: std::collections::HashSet<u64> =
        out.records().iter().map(|r| r.u64("x").unwrap()).collect();
    assert_eq!(xs.len(), 3);
}

#[test]
fn fingerprints_are_stable_and_config_sensitive() {
    #[derive(serde::Serialize)]
    struct Cfg {
        min_words: u32,
    }
    let f = |n| {
        FilterStage::new(
            "min_words",
            Cfg { min_words: n },
            |_: &mut Record, _: &Context| Ok(Decision::Keep),
        )
    };
    assert_eq!(f(50).fingerprint(), f(50).fingerprint());
    assert_ne!(f(50).fingerprint(), f(51).fingerprint());
    // Golden value: a change here changes every cache key users have; bump deliberately.
    assert_eq!(
        Fingerprint::of("min_words", "0.1.0", &serde_json::json!({"min_words": 50})).to_hex(),
        GOLDEN_FINGERPRINT
    );
    let a = Pipeline::new(numbers(0))
        .stage(f(1))
        .stage(f(2))
        .fingerprint();
    let b = Pipeline::new(numbers(0))
        .stage(f(2))
        .stage(f(1))
        .fingerprint();
    assert_ne!(a, b, "order matters");
}

const GOLDEN_FINGERPRINT: &str = "261851796bbec1d81cc30c603bd2e006a05aaad166046c61c4440bd87bbf11af";

#[test]
fn summary_json_round_trips_and_displays() {
    let dir = std::env::temp_dir().join(format!("dataprep-core-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = Pipeline::new(numbers(5))
        .stage(FilterStage::new(
            "even",
            (),
            |r: &mut Record, _: &Context| {
                Ok(if r.i64("i")? % 2 == 0 {
                    Decision::Keep
                } else {
                    Decision::drop("odd")
                })
            },
        ))
        .with_name("demo")
        .with_progress(false)
        .run()
        .unwrap();
    let path = dir.join("summary.json");
    s.write_json(&path).unwrap();
    let back: Summary = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.stage("even").unwrap().dropped_by_reason["odd"], 2);
    let text = s.to_string();
    assert!(
        text.contains("odd=2") && text.contains("read 5 = written 3 + dropped 2 + failed 0"),
        "{text}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Tee

/// A sink that keeps the `i` it accepts, rejects `i % reject == 0` as a record error, fails
/// fatally at `i == fatal`, and fails its `finish` when asked.
struct Picky {
    kept: Vec<i64>,
    reject: i64,
    fatal: Option<i64>,
    fail_finish: bool,
    finished: bool,
}

impl Picky {
    fn new(reject: i64) -> Self {
        Picky {
            kept: Vec::new(),
            reject,
            fatal: None,
            fail_finish: false,
            finished: false,
        }
    }
}

impl Sink for Picky {
    fn write(&mut self, record: Record) -> Result<()> {
        let i = record.i64("i")?;
        if Some(i) == self.fatal {
            return Err(Error::Config(format!("fatal at {i}")));
        }
        if i % self.reject == 0 {
            return Err(RecordError::process(format!("{i} rejected")).into());
        }
        self.kept.push(i);
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.finished = true;
        if self.fail_finish {
            return Err(Error::Config("finish failed".into()));
        }
        Ok(())
    }
}

#[test]
fn tee_gives_every_sink_every_record_and_counts_rejections_once() {
    let src = numbers(30);
    let (mut a, mut b, mut all) = (Picky::new(3), Picky::new(5), VecSink::default());
    let summary = Pipeline::new(&src)
        .with_batch_size(7)
        .sink(Tee::new().with(&mut a).with(&mut b).with(&mut all))
        .run()
        .unwrap();
    // Each sink holds what it accepted; the last one (given the record itself) holds all 30.
    assert_eq!(a.kept, (0..30).filter(|i| i % 3 != 0).collect::<Vec<i64>>());
    assert_eq!(b.kept, (0..30).filter(|i| i % 5 != 0).collect::<Vec<i64>>());
    assert_eq!(all.records().len(), 30);
    // A record rejected by either sink is failed once: multiples of 3 or 5.
    let failed = (0..30).filter(|i| i % 3 == 0 || i % 5 == 0).count() as u64;
    assert_eq!((summary.read, summary.failed), (30, failed));
    assert_eq!(summary.written, 30 - failed);
    assert_eq!(
        summary.read,
        summary.written + summary.dropped + summary.failed
    );
    assert!(a.finished && b.finished);
    assert_eq!(
        (Tee::new().len(), Tee::new().with(VecSink::default()).len()),
        (0, 1)
    );
}

#[test]
fn tee_stops_at_a_fatal_error_and_finishes_every_sink() {
    let src = numbers(10);
    let mut a = Picky::new(1000);
    a.fatal = Some(4);
    let mut b = Picky::new(1000);
    let err = Pipeline::new(&src)
        .sink(Tee::new().with(&mut a).with(&mut b))
        .run()
        .unwrap_err();
    assert!(err.to_string().contains("fatal at 4"), "{err}");
    // 0 is a multiple of 1000: rejected by both. The fatal error stops record 4 at the sink
    // that raised it, and the run with it.
    assert_eq!(a.kept, vec![1, 2, 3]);
    assert_eq!(b.kept, vec![1, 2, 3]);

    let (mut a, mut b) = (Picky::new(1000), Picky::new(1000));
    a.fail_finish = true;
    let mut tee = Tee::new().with(&mut a).with(&mut b);
    tee.write(Record::new().with("i", 1i64)).unwrap();
    let err = tee.finish().unwrap_err();
    assert!(err.to_string().contains("finish failed"), "{err}");
    drop(tee);
    assert!(
        a.finished && b.finished,
        "every sink is finished after one failed"
    );
}

// ---------------------------------------------------------------------------------------------
// ReadOnce

/// A source that counts how often it is opened.
fn counted_source(n: usize, bad_every: usize, opens: Arc<AtomicUsize>) -> impl IterableDataset {
    let inner = failing_source(n, bad_every);
    FnDataset::new(move |shard: Shard| -> Result<Records<'static>> {
        opens.fetch_add(1, Ordering::SeqCst);
        let items: Vec<Result<Record>> = inner.open(shard)?.collect();
        Ok(Box::new(items.into_iter()))
    })
}

/// What a full run reads: `i` of each record, `-1 - line` of each error.
fn items(it: Records<'_>) -> Vec<i64> {
    it.map(|r| match r {
        Ok(r) => r.i64("i").unwrap(),
        Err(Error::Record(e)) => -1 - e.location.unwrap().line.unwrap() as i64,
        Err(e) => panic!("{e}"),
    })
    .collect()
}

proptest! {
    #[test]
    fn read_once_yields_the_stream_once_whatever_the_head_read(
        n in 0usize..60, bad_every in 0usize..5, head in 0usize..70, runs in 1usize..3,
    ) {
        let opens = Arc::new(AtomicUsize::new(0));
        let src = counted_source(n, bad_every, Arc::clone(&opens));
        let expected = items(src.iter().unwrap());
        opens.store(0, Ordering::SeqCst);

        let once = ReadOnce::new(&src).unwrap();
        for _ in 0..runs {
            // Each head run sees the same start of the stream.
            let got = items(Box::new(once.head().iter().unwrap().take(head)));
            prop_assert_eq!(&got[..], &expected[..head.min(n)]);
        }
        prop_assert_eq!(once.kept(), head.min(n));
        prop_assert_eq!(items(once.iter().unwrap()), expected);
        prop_assert_eq!(opens.load(Ordering::SeqCst), 1);
        prop_assert!(once.iter().is_err());
        prop_assert!(once.head().iter().is_err());
    }
}

#[test]
fn read_once_head_is_bounded_and_a_pipeline_over_it_balances() {
    let src = failing_source(1000, 10);
    let size = Record::new().with("i", 0i64).approx_size() as u64;
    let once = ReadOnce::new(&src).unwrap().with_max_head_bytes(50 * size);
    let head: Vec<_> = once.head().iter().unwrap().collect();
    // 50 records reach the bound; the 5 errors among them are kept too.
    assert_eq!(head.iter().filter(|r| r.is_ok()).count(), 50);
    assert_eq!(head.len(), 55);
    // The head's copy of an error keeps kind, message and location; the original keeps more.
    let Err(Error::Record(e)) = &head[9] else {
        panic!("item 9 is an error")
    };
    assert_eq!(e.kind, RecordErrorKind::Parse);
    assert_eq!(e.location.as_ref().and_then(|l| l.line), Some(10));

    let mut out = VecSink::default();
    let mut rejects = VecSink::default();
    let summary = Pipeline::new(&once)
        .sink(&mut out)
        .rejects(&mut rejects)
        .run()
        .unwrap();
    assert_eq!(
        (summary.read, summary.written, summary.failed),
        (1000, 900, 100)
    );
    let firsts: Vec<i64> = out.records()[..3]
        .iter()
        .map(|r| r.i64("i").unwrap())
        .collect();
    assert_eq!(firsts, [0, 1, 2]);
}

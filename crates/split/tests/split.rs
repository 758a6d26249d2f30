//! Integration tests of dataprep-split: golden values from scikit-learn and imbalanced-learn
//! (`tests/data/sklearn_goldens.json`, made by `tests/data/split_goldens.py`), properties
//! (disjointness, coverage, per-class counts within 1 of ideal, determinism, hash-split stability),
//! the record adapters, the stages, and the errors.

use std::collections::{BTreeMap, HashMap, HashSet};

use dataprep_core::{Pipeline, Record, StatefulStage, VecDataset, VecSink};
use dataprep_split::*;
use proptest::prelude::*;
use serde_json::Value as J;

// ---------------------------------------------------------------------------------------------
// Golden tests

fn goldens() -> J {
    serde_json::from_str(include_str!("data/sklearn_goldens.json")).expect("goldens parse")
}

/// A label or group as scikit-learn saw it: an integer or a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum L {
    I(i64),
    S(String),
}

impl std::fmt::Display for L {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            L::I(i) => write!(f, "{i}"),
            L::S(s) => f.write_str(s),
        }
    }
}

fn labels(v: &J) -> Vec<L> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| match x {
            J::Number(n) => L::I(n.as_i64().expect("int")),
            J::String(s) => L::S(s.clone()),
            other => panic!("unexpected label {other}"),
        })
        .collect()
}

fn u32s(v: &J) -> Vec<u32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_i64().expect("int") as u32)
        .collect()
}

fn usize_of(v: &J) -> usize {
    v.as_u64().expect("uint") as usize
}

#[test]
fn golden_stratified_k_fold_matches_sklearn_row_for_row() {
    let g = goldens();
    let cases = g["stratified_k_fold"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for (i, c) in cases.iter().enumerate() {
        let y = labels(&c["labels"]);
        let k = usize_of(&c["k"]);
        let got = StratifiedKFold::new(k).split(&y);
        match &c["error"] {
            J::Null => {
                let folds = got.unwrap_or_else(|e| panic!("case {i}: {e}"));
                assert_eq!(folds.test_fold(), &u32s(&c["test_folds"])[..], "case {i}");
                assert_eq!(
                    folds.warnings().len(),
                    usize_of(&c["warnings"]),
                    "case {i} warnings"
                );
                // Shuffling keeps scikit-learn's per-class fold counts.
                let shuffled = StratifiedKFold::new(k).shuffled(9).split(&y).unwrap();
                assert_eq!(
                    class_fold_counts(&y, &folds),
                    class_fold_counts(&y, &shuffled)
                );
            }
            _ => assert!(
                matches!(got, Err(Error::KExceedsClasses { .. })),
                "case {i}: expected an error, got {got:?}"
            ),
        }
    }
}

fn class_fold_counts(y: &[L], folds: &Folds) -> BTreeMap<(L, u32), usize> {
    let mut m = BTreeMap::new();
    for (l, &f) in y.iter().zip(folds.test_fold()) {
        *m.entry((l.clone(), f)).or_default() += 1;
    }
    m
}

#[test]
fn golden_k_fold() {
    for c in goldens()["k_fold"].as_array().unwrap() {
        let folds = KFold::new(usize_of(&c["k"]))
            .split(usize_of(&c["n"]))
            .unwrap();
        assert_eq!(folds.test_fold(), &u32s(&c["test_folds"])[..]);
    }
}

fn size_of(v: &J) -> Option<Size> {
    match v {
        J::Null => None,
        J::Number(n) if n.is_u64() => Some(Size::Count(n.as_u64().unwrap() as usize)),
        J::Number(n) => Some(Size::Fraction(n.as_f64().unwrap())),
        other => panic!("bad size {other}"),
    }
}

/// `train_test_split(test_size=test, train_size=train)` as named splits.
fn sklearn_splits(test: Option<Size>, train: Option<Size>) -> Splits {
    match (test, train) {
        (None, None) => Splits::train_test(0.25),
        (Some(t), None) => Splits::train_test(t),
        (None, Some(tr)) => Splits::new().with("train", tr).with("test", Size::Rest),
        (Some(t), Some(tr)) => Splits::new().with("train", tr).with("test", t),
    }
}

#[test]
fn golden_train_test_split_sizes() {
    let g = goldens();
    let cases = g["train_test_split_sizes"].as_array().unwrap();
    assert!(cases.len() > 100);
    for c in cases {
        let n = usize_of(&c["n"]);
        let splits = sklearn_splits(size_of(&c["test"]), size_of(&c["train"]));
        let got = splits.resolve(n);
        if c["error"].as_bool().unwrap() {
            assert!(got.is_err(), "{c}: expected an error, got {got:?}");
        } else {
            let want: Vec<usize> = c["sizes"]
                .as_array()
                .unwrap()
                .iter()
                .map(usize_of)
                .collect();
            assert_eq!(got.unwrap(), want, "{c}");
            // And the random split has exactly those sizes.
            let a = Splitter::new(splits).with_seed(1).random(n).unwrap();
            assert_eq!(a.counts(), want);
        }
    }
}

#[test]
fn golden_stratified_train_test_split_counts() {
    for (i, c) in goldens()["stratified_train_test_split"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let y = labels(&c["labels"]);
        let test = c["test"].as_f64().unwrap();
        let splitter = Splitter::new(Splits::train_test(test));
        if !c["error"].is_null() {
            let got = splitter.stratified(&y);
            assert!(
                matches!(
                    got,
                    Err(Error::ClassTooSmall { .. } | Error::SplitSmallerThanClasses { .. })
                ),
                "case {i}: {got:?}"
            );
            continue;
        }
        let classes = labels(&c["classes"]);
        let outcomes: HashSet<(Vec<usize>, Vec<usize>)> = c["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let v = |j: &J| {
                    j.as_array()
                        .unwrap()
                        .iter()
                        .map(usize_of)
                        .collect::<Vec<_>>()
                };
                (v(&o[0]), v(&o[1]))
            })
            .collect();
        let mut seen = HashSet::new();
        for seed in 0..40 {
            let a = splitter.clone().with_seed(seed).stratified(&y).unwrap();
            let count = |name: &str| -> Vec<usize> {
                let rows = a.indices(name).unwrap();
                classes
                    .iter()
                    .map(|cl| rows.iter().filter(|&&r| &y[r] == cl).count())
                    .collect()
            };
            let got = (count("train"), count("test"));
            assert!(
                outcomes.contains(&got),
                "case {i} seed {seed}: {got:?} not among scikit-learn's {outcomes:?}"
            );
            seen.insert(got);
        }
        if outcomes.len() == 1 {
            assert_eq!(seen, outcomes, "case {i}");
        }
    }
}

#[test]
fn golden_group_k_fold() {
    for (i, c) in goldens()["group_k_fold"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let groups = labels(&c["groups"]);
        let folds = GroupKFold::new(usize_of(&c["k"])).split(&groups).unwrap();
        assert_eq!(folds.test_fold(), &u32s(&c["test_folds"])[..], "case {i}");
    }
}

#[test]
fn golden_stratified_group_k_fold() {
    for (i, c) in goldens()["stratified_group_k_fold"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let y = labels(&c["labels"]);
        let groups = labels(&c["groups"]);
        let folds = StratifiedGroupKFold::new(usize_of(&c["k"]))
            .split(&y, &groups)
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(folds.test_fold(), &u32s(&c["test_folds"])[..], "case {i}");
        assert_eq!(folds.warnings().len(), usize_of(&c["warnings"]), "case {i}");
    }
}

#[test]
fn golden_time_series_split() {
    for c in goldens()["time_series_split"].as_array().unwrap() {
        let mut ts = TimeSeriesSplit::new(usize_of(&c["k"])).with_gap(usize_of(&c["gap"]));
        if let Some(t) = c["test_size"].as_u64() {
            ts = ts.with_test_size(t as usize);
        }
        if let Some(m) = c["max_train_size"].as_u64() {
            ts = ts.with_max_train_size(m as usize);
        }
        let got = ts.split(usize_of(&c["n"]));
        if c["error"].as_bool().unwrap() {
            assert!(got.is_err(), "{c}");
            continue;
        }
        let folds = got.unwrap();
        for (f, want) in c["folds"].as_array().unwrap().iter().enumerate() {
            let w: Vec<usize> = want.as_array().unwrap().iter().map(usize_of).collect();
            let (train, test) = folds.split(f);
            assert_eq!(train, (w[0]..w[1]).collect::<Vec<_>>(), "{c} fold {f}");
            assert_eq!(test, (w[2]..w[3]).collect::<Vec<_>>(), "{c} fold {f}");
        }
    }
}

#[test]
fn golden_leave_one_group_out() {
    for c in goldens()["leave_one_group_out"].as_array().unwrap() {
        let groups = labels(&c["groups"]);
        let got = LeaveOneGroupOut::new().split(&groups);
        if c["error"].as_bool().unwrap() {
            assert!(got.is_err());
        } else {
            assert_eq!(got.unwrap().test_fold(), &u32s(&c["test_folds"])[..]);
        }
    }
}

#[test]
fn golden_group_shuffle_split_sizes() {
    for c in goldens()["group_shuffle_split"].as_array().unwrap() {
        let ng = usize_of(&c["groups"]);
        let groups: Vec<usize> = (0..ng).flat_map(|g| [g, g]).collect();
        let a = Splitter::new(Splits::train_test(c["test"].as_f64().unwrap()))
            .with_group_sizing(GroupSizing::Groups)
            .grouped(&groups)
            .unwrap();
        let distinct = |name: &str| {
            a.indices(name)
                .unwrap()
                .iter()
                .map(|&r| groups[r])
                .collect::<HashSet<_>>()
                .len()
        };
        assert_eq!(distinct("train"), usize_of(&c["train_groups"]), "{c}");
        assert_eq!(distinct("test"), usize_of(&c["test_groups"]), "{c}");
    }
}

#[test]
fn golden_imbalanced_learn_targets() {
    let cases = goldens()["resampling"].as_array().unwrap().clone();
    assert!(cases.len() >= 60);
    for c in cases {
        let y = labels(&c["labels"]);
        let strategy = match &c["strategy"] {
            J::String(s) => match s.as_str() {
                "auto" => SamplingStrategy::Auto,
                "minority" => SamplingStrategy::Minority,
                "majority" => SamplingStrategy::Majority,
                "not minority" => SamplingStrategy::NotMinority,
                "not majority" => SamplingStrategy::NotMajority,
                "all" => SamplingStrategy::All,
                other => panic!("{other}"),
            },
            J::Number(r) => SamplingStrategy::Ratio(r.as_f64().unwrap()),
            other => panic!("{other}"),
        };
        let over = c["kind"] == "over";
        let got = if over {
            RandomOverSampler::new()
                .with_strategy(strategy)
                .sample(&y)
                .map(|s| s.after)
        } else {
            RandomUnderSampler::new()
                .with_strategy(strategy)
                .sample(&y)
                .map(|s| s.after)
        };
        if c["error"].as_bool().unwrap() {
            assert!(got.is_err(), "{c}: {got:?}");
        } else {
            let want: Vec<usize> = c["after"]
                .as_array()
                .unwrap()
                .iter()
                .map(usize_of)
                .collect();
            assert_eq!(got.unwrap(), want, "{c}");
        }
    }
}

#[test]
fn golden_balanced_class_weight() {
    for c in goldens()["balanced_class_weight"].as_array().unwrap() {
        let y = labels(&c["labels"]);
        let got = balanced_class_weights(&y);
        let classes = labels(&c["classes"]);
        for ((cl, w), (wc, ww)) in got
            .iter()
            .zip(classes.iter().zip(c["weights"].as_array().unwrap()))
        {
            assert_eq!(cl, wc);
            assert!((w - ww.as_f64().unwrap()).abs() < 1e-12);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Labels with `classes` classes, each class at least `min_per_class` rows.
fn arb_labels(
    max_classes: u32,
    min_per_class: usize,
    max_n: usize,
) -> impl Strategy<Value = Vec<u32>> {
    (1..=max_classes).prop_flat_map(move |nc| {
        (
            prop::collection::vec(0..nc, 0..max_n),
            Just(nc),
            any::<u64>(),
        )
            .prop_map(move |(mut v, nc, s)| {
                for c in 0..nc {
                    for _ in 0..min_per_class {
                        v.push(c);
                    }
                }
                // Deterministic shuffle so the guaranteed rows are not all at the end.
                let mut x = s | 1;
                for i in (1..v.len()).rev() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    v.swap(i, (x % (i as u64 + 1)) as usize);
                }
                v
            })
    })
}

fn arb_splits() -> impl Strategy<Value = Splits> {
    prop_oneof![
        (0.05f64..0.6).prop_map(Splits::train_test),
        (0.05f64..0.3, 0.05f64..0.3).prop_map(|(v, t)| Splits::train_validation_test(v, t)),
        (0.3f64..0.6, 0.1f64..0.3)
            .prop_map(|(tr, te)| Splits::new().with("train", tr).with("test", te)),
    ]
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

fn per_class_part(labels: &[u32], ids: &[u32]) -> HashMap<(u32, u32), usize> {
    let mut m = HashMap::new();
    for (&l, &p) in labels.iter().zip(ids) {
        *m.entry((l, p)).or_default() += 1;
    }
    m
}

proptest! {
    // 200 cases by default; PROPTEST_CASES=N for a longer run.
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn stratified_split_disjoint_covering_within_one_and_deterministic(
        y in arb_labels(6, 2, 300),
        splits in arb_splits(),
        seed in any::<u64>(),
        shuffle in any::<bool>(),
    ) {
        let n = y.len();
        let splitter = Splitter::new(splits.clone()).with_seed(seed).with_shuffle(shuffle);
        let a = match splitter.stratified(&y) {
            Ok(a) => a,
            Err(Error::SplitSmallerThanClasses { .. } | Error::EmptySplit { .. }) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let sizes = splits.resolve(n).unwrap();
        // Coverage and disjointness: one id per row; sizes exact; index lists partition the rows.
        prop_assert_eq!(a.len(), n);
        prop_assert_eq!(a.counts(), sizes.clone());
        let mut all: Vec<usize> = a.all_indices().concat();
        all.extend(a.unassigned());
        all.sort_unstable();
        prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        // Per-class counts within 1 of the ideal share, in every split and in the rest.
        let enc = encode(&y);
        let table = per_class_part(&y, a.ids());
        let mut parts: Vec<(u32, usize)> = sizes.iter().enumerate().map(|(i, &s)| (i as u32, s)).collect();
        let rest = n - sizes.iter().sum::<usize>();
        if rest > 0 { parts.push((UNASSIGNED, rest)); }
        for (code, &count) in enc.counts().iter().enumerate() {
            let label = y[enc.first_rows()[code]];
            for &(p, size) in &parts {
                let got = table.get(&(label, p)).copied().unwrap_or(0) as f64;
                let ideal = count as f64 * size as f64 / n as f64;
                prop_assert!((got - ideal).abs() < 1.0, "class {} part {}: {} vs {}", label, p, got, ideal);
            }
        }
        // Determinism by seed.
        let again = splitter.stratified(&y).unwrap();
        prop_assert_eq!(again.ids(), a.ids());
    }

    #[test]
    fn random_split_exact_sizes_and_deterministic(n in 1usize..500, splits in arb_splits(), seed in any::<u64>()) {
        let splitter = Splitter::new(splits.clone()).with_seed(seed);
        match splits.resolve(n) {
            Ok(sizes) => {
                let a = splitter.random(n).unwrap();
                prop_assert_eq!(a.counts(), sizes);
                let again = splitter.random(n).unwrap();
                prop_assert_eq!(again.ids(), a.ids());
            }
            Err(_) => prop_assert!(splitter.random(n).is_err()),
        }
    }

    #[test]
    fn stratified_k_fold_partitions_within_one(
        y in arb_labels(5, 1, 200),
        k in 2usize..8,
        seed in any::<u64>(),
        shuffle in any::<bool>(),
    ) {
        let skf = StratifiedKFold::new(k).with_shuffle(shuffle).with_seed(seed);
        let folds = match skf.split(&y) {
            Ok(f) => f,
            Err(Error::KExceedsClasses { .. } | Error::KExceedsSamples { .. }) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        prop_assert_eq!(folds.k(), k);
        prop_assert!(folds.test_fold().iter().all(|&f| (f as usize) < k));
        let enc = encode(&y);
        let table = per_class_part(&y, folds.test_fold());
        for (code, &count) in enc.counts().iter().enumerate() {
            let label = y[enc.first_rows()[code]];
            for f in 0..k as u32 {
                let got = table.get(&(label, f)).copied().unwrap_or(0) as f64;
                prop_assert!((got - count as f64 / k as f64).abs() < 1.0);
            }
        }
        for (f, (train, test)) in folds.iter().enumerate() {
            prop_assert_eq!(train.len() + test.len(), y.len());
            let t: HashSet<usize> = test.iter().copied().collect();
            prop_assert!(train.iter().all(|r| !t.contains(r)));
            prop_assert_eq!(test, folds.test_indices(f));
        }
        let again = skf.split(&y).unwrap();
        prop_assert_eq!(again.test_fold(), folds.test_fold());
    }

    #[test]
    fn k_fold_sizes(n in 2usize..300, k in 2usize..10, seed in any::<u64>(), shuffle in any::<bool>()) {
        prop_assume!(k <= n);
        let folds = KFold::new(k).with_shuffle(shuffle).with_seed(seed).split(n).unwrap();
        let sizes = folds.test_sizes();
        for (f, &s) in sizes.iter().enumerate() {
            prop_assert_eq!(s, n / k + usize::from(f < n % k));
        }
    }

    #[test]
    fn grouped_methods_never_split_a_group(
        groups in prop::collection::vec(0u32..40, 10..300),
        y_seed in any::<u64>(),
        seed in any::<u64>(),
        k in 2usize..5,
    ) {
        let y: Vec<u32> = groups.iter().enumerate().map(|(i, &g)| ((g as u64 * 31 + i as u64 + y_seed) % 3) as u32).collect();
        let check = |ids: &[u32]| -> Result<(), TestCaseError> {
            let mut of: HashMap<u32, u32> = HashMap::new();
            for (&g, &p) in groups.iter().zip(ids) {
                prop_assert_eq!(*of.entry(g).or_insert(p), p, "group {} split", g);
            }
            Ok(())
        };
        let ng = groups.iter().collect::<HashSet<_>>().len();
        if let Ok(a) = Splitter::new(Splits::train_validation_test(0.1, 0.2)).with_seed(seed).grouped(&groups) {
            check(a.ids())?;
            prop_assert!(a.counts().iter().all(|&c| c > 0));
            prop_assert!(a.leakage(&groups).unwrap().is_clean());
        } else {
            prop_assert!(ng < 3);
        }
        if let Ok(a) = Splitter::new(Splits::train_test(0.25)).with_seed(seed).stratified_grouped(&y, &groups) {
            check(a.ids())?;
        }
        if k <= ng {
            check(GroupKFold::new(k).split(&groups).unwrap().test_fold())?;
            check(GroupKFold::new(k).shuffled(seed).split(&groups).unwrap().test_fold())?;
            if let Ok(f) = StratifiedGroupKFold::new(k).with_shuffle(seed % 2 == 0).with_seed(seed).split(&y, &groups) {
                check(f.test_fold())?;
            }
        }
    }

    #[test]
    fn hash_split_never_moves_old_keys_when_data_grows(
        keys in prop::collection::vec("[a-z0-9]{1,12}", 10..200),
        extra in prop::collection::vec("[a-z0-9]{1,12}", 1..20),
        test in 0.05f64..0.5,
        salt in "[a-z]{0,6}",
    ) {
        let hs = HashSplit::train_test(test).unwrap().with_salt(salt);
        let before = hs.split(&keys);
        // Grow the data by about 10% (new keys interleaved at the front and the back).
        let grow = (keys.len() / 10).max(1);
        let mut grown: Vec<String> = extra.iter().cycle().take(grow).cloned().collect();
        grown.extend(keys.iter().cloned());
        grown.extend(extra.iter().cloned());
        let after = hs.split(&grown);
        for (i, k) in keys.iter().enumerate() {
            prop_assert_eq!(before.split_of(i), after.split_of(grow + i), "key {} moved", k);
            prop_assert_eq!(before.split_of(i), hs.split_name(k.as_bytes()));
        }
    }

    #[test]
    fn samplers_hit_their_targets(y in arb_labels(4, 1, 150), seed in any::<u64>()) {
        let over = RandomOverSampler::new().with_seed(seed).sample(&y).unwrap();
        let max = *over.before.iter().max().unwrap();
        prop_assert!(over.after.iter().all(|&c| c == max));
        prop_assert_eq!(&over.indices[..y.len()], &(0..y.len()).collect::<Vec<_>>()[..]);
        prop_assert_eq!(over.indices.len(), over.after.iter().sum::<usize>());
        let under = RandomUnderSampler::new().with_seed(seed).sample(&y).unwrap();
        let min = *under.before.iter().min().unwrap();
        prop_assert!(under.after.iter().all(|&c| c == min));
        prop_assert!(under.indices.windows(2).all(|w| w[0] < w[1]));
        let enc = encode_sorted(&y);
        let mut per = vec![0usize; enc.n_classes()];
        for &i in &under.indices { per[enc.codes()[i] as usize] += 1; }
        prop_assert_eq!(per, under.after.clone());
        prop_assert_eq!(RandomUnderSampler::new().with_seed(seed).sample(&y).unwrap(), under);
    }

    #[test]
    fn stratified_subsample_within_one(y in arb_labels(5, 1, 300), frac in 0.0f64..1.0, seed in any::<u64>()) {
        let n = (y.len() as f64 * frac) as usize;
        let s = stratified_subsample(&y, n, seed).unwrap();
        prop_assert_eq!(s.len(), n);
        prop_assert!(s.windows(2).all(|w| w[0] < w[1]));
        let enc = encode(&y);
        for (code, &count) in enc.counts().iter().enumerate() {
            let label = y[enc.first_rows()[code]];
            let got = s.iter().filter(|&&i| y[i] == label).count() as f64;
            prop_assert!((got - count as f64 * n as f64 / y.len() as f64).abs() < 1.0);
        }
    }

    #[test]
    fn reservoir_is_uniform_sized_and_deterministic(n in 0usize..500, k in 0usize..50, seed in any::<u64>()) {
        let s = reservoir_sample(0..n, k, seed);
        prop_assert_eq!(s.len(), k.min(n));
        prop_assert!(s.windows(2).all(|w| w[0] < w[1]));
        prop_assert_eq!(reservoir_sample(0..n, k, seed), s);
    }

    #[test]
    fn leakage_report_counts_cross_split_pairs(
        clusters in prop::collection::vec(0u8..20, 1..200),
        seed in any::<u64>(),
    ) {
        let a = Splitter::new(Splits::train_test(0.3)).with_seed(seed).random(clusters.len());
        prop_assume!(a.is_ok());
        let a = a.unwrap();
        let r = a.leakage(&clusters).unwrap();
        let mut brute = 0u64;
        for i in 0..clusters.len() {
            for j in i + 1..clusters.len() {
                if clusters[i] == clusters[j] && a.ids()[i] != a.ids()[j] { brute += 1; }
            }
        }
        prop_assert_eq!(r.cross_split_pairs, brute);
        // Splitting by cluster leaves no leak.
        let g = Splitter::new(Splits::train_test(0.3)).with_seed(seed).grouped(&clusters);
        if let Ok(g) = g { prop_assert!(g.leakage(&clusters).unwrap().is_clean()); }
    }

    #[test]
    fn mixture_respects_caps_and_total(
        sizes in prop::collection::vec(1u64..5000, 1..6),
        t in 0.5f64..5.0,
        epochs in 0.5f64..3.0,
        total in 1u64..20000,
    ) {
        let plan = Mixture::new(MixWeights::Temperature(t)).with_max_epochs(epochs).with_total(total).plan(&sizes).unwrap();
        for (&c, &n) in plan.counts.iter().zip(&sizes) {
            prop_assert!(c as f64 <= (epochs * n as f64).floor() + 1e-9);
        }
        let cap: u64 = sizes.iter().map(|&n| (epochs * n as f64).floor() as u64).sum();
        prop_assert_eq!(plan.total, total.min(cap));
        let sched: Vec<(usize, u64)> = plan.schedule(1, true).collect();
        prop_assert_eq!(sched.len() as u64, plan.total);
        for (s, &c) in plan.counts.iter().enumerate() {
            prop_assert_eq!(sched.iter().filter(|x| x.0 == s).count() as u64, c);
        }
        prop_assert!(sched.iter().all(|&(s, i)| i < sizes[s]));
    }
}

// ---------------------------------------------------------------------------------------------
// Examples and behaviour

#[test]
fn hash_split_fractions_and_salt() {
    let keys: Vec<String> = (0..100_000).map(|i| format!("k{i}")).collect();
    let hs = HashSplit::new([("train", 0.8), ("validation", 0.1), ("test", 0.05)]).unwrap();
    let a = hs.split(&keys);
    let c = a.counts();
    assert!((c[0] as f64 / 1e5 - 0.8).abs() < 0.01, "{c:?}");
    assert!((c[1] as f64 / 1e5 - 0.1).abs() < 0.01, "{c:?}");
    assert!((c[2] as f64 / 1e5 - 0.05).abs() < 0.01, "{c:?}");
    assert!((a.unassigned().len() as f64 / 1e5 - 0.05).abs() < 0.01);
    let other = hs.clone().with_salt("x").split(&keys);
    assert_ne!(a.ids(), other.ids());
    // Pinned values: the documented hash must never change (it would move every record).
    assert_eq!(
        hs.bucket(b"doc-1"),
        (xxhash_rust_pin(b"doc-1", "") % 10_000) as u32
    );
    // Folds: integer output, every fold used.
    let f = HashSplit::folds(5).unwrap().split(&keys);
    assert!(f.counts().iter().all(|&x| x > 19_000 && x < 21_000));
    assert!(f.unassigned().is_empty());
}

/// The documented formula, written out independently.
fn xxhash_rust_pin(key: &[u8], salt: &str) -> u64 {
    use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};
    xxh3_64_with_seed(key, xxh3_64(salt.as_bytes()))
}

#[test]
fn hash_stage_in_pipeline_and_select_on_stream() {
    let recs: Vec<Record> = (0..200)
        .map(|i| Record::new().with_key(format!("r{i}")).with("id", i as i64))
        .collect();
    let ds = VecDataset::new(recs.clone());
    let hs = HashSplit::train_test(0.3).unwrap();
    let mut out = VecSink::default();
    let stage = hs.clone().stage().keep_only(["test"]).unwrap();
    let summary = Pipeline::new(&ds)
        .stage(stage)
        .sink(&mut out)
        .with_threads(2)
        .run()
        .unwrap();
    let tests: Vec<String> = out.records().iter().map(|r| r.key().to_owned()).collect();
    assert!(
        out.records()
            .iter()
            .all(|r| r.str("split").unwrap() == "test")
    );
    assert_eq!(summary.dropped as usize + tests.len(), 200);
    // Same records by the plain function and by the streaming adapter.
    let a = hs.split_records(&recs, None).unwrap();
    let want: Vec<String> = a
        .indices("test")
        .unwrap()
        .iter()
        .map(|&i| format!("r{i}"))
        .collect();
    assert_eq!(tests, want);
    let sel = hs.select(&ds, "test", None).unwrap();
    let streamed: Vec<String> = dataprep_core::IterableDataset::iter(&sel)
        .unwrap()
        .map(|r| r.unwrap().key().to_owned())
        .collect();
    assert_eq!(streamed, want);
    // By a key column: ints hash like their decimal strings.
    let by_col = hs.split_records(&recs, Some("id")).unwrap();
    let strs: Vec<String> = (0..200).map(|i: i32| i.to_string()).collect();
    assert_eq!(by_col.ids(), hs.split(&strs).ids());
}

#[test]
fn reservoir_stage_in_pipeline() {
    let ds = VecDataset::new(
        (0..1000)
            .map(|i| Record::new().with("i", i as i64))
            .collect(),
    );
    let run = |seed| {
        let mut out = VecSink::default();
        let s = Pipeline::new(&ds)
            .stateful(ReservoirStage::new(ReservoirConfig::default().with_k(25)))
            .sink(&mut out)
            .with_seed(seed)
            .run()
            .unwrap();
        assert!(s.is_balanced());
        out.into_records()
            .iter()
            .map(|r| r.i64("i").unwrap())
            .collect::<Vec<_>>()
    };
    let a = run(1);
    assert_eq!(a.len(), 25);
    assert!(a.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(a, run(1));
    assert_ne!(a, run(2));
    // The fingerprint is the same `{"k":k}` as before ReservoirConfig.
    let stage = ReservoirStage::new(ReservoirConfig::default().with_k(25));
    assert_eq!(stage.config().k, 25);
    assert_eq!(StatefulStage::config(&stage).to_string(), r#"{"k":25}"#);
    assert_eq!(
        StatefulStage::config(&ReservoirStage::default()).to_string(),
        r#"{"k":1000}"#
    );
    let back: ReservoirConfig = serde_json::from_str(r#"{"k":7}"#).unwrap();
    assert_eq!(back, ReservoirConfig::default().with_k(7));
}

fn sample_records() -> Vec<Record> {
    (0..120)
        .map(|i| {
            let label = match i % 10 {
                0 => "rare",
                1..=3 => "mid",
                _ => "common",
            };
            let mut r = Record::new()
                .with_key(format!("row{i}"))
                .with("label", label)
                .with("user", (i / 3) as i64)
                .with("t", (1000 - i) as i64);
            // Every fifth row is a near-duplicate of the row five before it; others have no
            // cluster (null: a group of their own).
            if i % 5 == 0 && i >= 5 {
                r.set("dup", format!("c{}", i - 5));
            } else if i % 5 == 0 {
                r.set("dup", format!("c{i}"));
            } else {
                r.set("dup", dataprep_core::Value::Null);
            }
            r
        })
        .collect()
}

#[test]
fn spec_apply_writes_column_records_and_replays() {
    let mut recs = sample_records();
    let specs = vec![
        SplitSpec::new("fold", Method::StratifiedKFold(StratifiedKFold::new(5)))
            .with_label("label"),
        SplitSpec::new(
            "split",
            Method::StratifiedSplit(
                Splitter::new(Splits::train_validation_test(0.1, 0.2)).with_seed(3),
            ),
        )
        .with_label("label"),
        SplitSpec::new(
            "gsplit",
            Method::GroupSplit(Splitter::new(Splits::train_test(0.25))),
        )
        .with_group("user"),
        SplitSpec::new(
            "sgsplit",
            Method::StratifiedGroupSplit(Splitter::new(Splits::train_test(0.25)).with_seed(1)),
        )
        .with_label("label")
        .with_group("dup"),
        SplitSpec::new(
            "hash",
            Method::HashSplit(HashSplit::train_test(0.2).unwrap()),
        ),
        SplitSpec::new("gfold", Method::GroupKFold(GroupKFold::new(3))).with_group("user"),
        SplitSpec::new(
            "sgfold",
            Method::StratifiedGroupKFold(StratifiedGroupKFold::new(3)),
        )
        .with_label("label")
        .with_group("user"),
        SplitSpec::new("tfold", Method::TimeSeriesSplit(TimeSeriesSplit::new(3))).with_time("t"),
        SplitSpec::new("kfold", Method::KFold(KFold::new(4).shuffled(2))),
        SplitSpec::new("logo", Method::LeaveOneGroupOut(LeaveOneGroupOut::new()))
            .with_group("label"),
    ];
    let mut record = SplitRecord::new(recs.len()).with_input("memory");
    for spec in &specs {
        let rec = spec.apply(&mut recs).unwrap();
        assert!(rec.verify(&recs).unwrap(), "{}", spec.column);
        // Serialises flat and round-trips.
        let json = serde_json::to_value(spec).unwrap();
        assert_eq!(json["column"], spec.column.as_str());
        assert_eq!(json["method"], spec.method.name());
        let back: SplitSpec = serde_json::from_value(json).unwrap();
        assert_eq!(&back, spec);
        record.push(rec);
    }
    assert!(
        recs.iter()
            .all(|r| r.get("fold").and_then(|v| v.as_i64()).is_some())
    );
    assert!(recs.iter().all(|r| r.str("split").is_ok()));
    // The stratified fold column is exactly StratifiedKFold on the plain labels.
    let labels: Vec<String> = recs
        .iter()
        .map(|r| r.str("label").unwrap().to_owned())
        .collect();
    let plain = StratifiedKFold::new(5).split(&labels).unwrap();
    let col: Vec<u32> = recs.iter().map(|r| r.i64("fold").unwrap() as u32).collect();
    assert_eq!(col, plain.test_fold());
    // Duplicates never straddle the stratified-grouped split.
    let sg: Vec<u32> = recs
        .iter()
        .map(|r| {
            ["train", "test"]
                .iter()
                .position(|n| *n == r.str("sgsplit").unwrap())
                .unwrap() as u32
        })
        .collect();
    let dup: Vec<Key<'_>> = column_keys(&recs, "dup", Nulls::OwnGroup).unwrap();
    let leak = leakage_report(&sg, &["train".into(), "test".into()], &dup).unwrap();
    assert!(leak.is_clean(), "{leak:?}");
    assert!(leak.duplicate_clusters > 0);
    // The whole record round-trips through JSON on disk.
    let dir = std::env::temp_dir().join(format!("dataprep-split-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("split.json");
    record.write_json(&path).unwrap();
    let back = SplitRecord::read_json(&path).unwrap();
    assert_eq!(back, record);
    assert_eq!(back.assignments.len(), specs.len());
    // Balance of the stratified split: every split has the rare class.
    let strat = &back.assignments[1].balance;
    assert!(
        strat
            .parts
            .iter()
            .all(|p| p.classes.iter().any(|c| c.class == "rare" && c.rows > 0))
    );
    let table = strat.to_string();
    assert!(
        table.contains("validation") && table.contains("rare"),
        "{table}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn subsets_and_folds_over_datasets() {
    let recs = sample_records();
    let ds = VecDataset::new(recs.clone());
    let labels = column_keys(&recs, "label", Nulls::Error).unwrap();
    let a = Splitter::new(Splits::train_test(0.25))
        .stratified(&labels)
        .unwrap();
    let test = a.subset(&ds, "test").unwrap();
    use dataprep_core::Dataset as _;
    assert_eq!(test.len(), 30);
    assert_eq!(test.get(0).unwrap(), recs[a.indices("test").unwrap()[0]]);
    assert!(a.subset(&ds, "nope").is_err());
    let folds = StratifiedKFold::new(4).split(&labels).unwrap();
    assert_eq!(folds.train_subset(&ds, 1).unwrap().len(), 90);
    assert!(folds.test_subset(&ds, 9).is_err());
    let keys = dataset_column_keys(&ds, "label", Nulls::Error).unwrap();
    assert_eq!(keys, labels);
    // Over-sampled view repeats rows.
    let over = RandomOverSampler::new().sample(&labels).unwrap();
    assert_eq!(
        Subset::new(&ds, over.indices.clone()).len(),
        over.indices.len()
    );
}

#[test]
fn mixture_dataset_and_stream() {
    let a = VecDataset::new(
        (0..100)
            .map(|i| Record::new().with("src", "a").with("i", i as i64))
            .collect(),
    );
    let b = VecDataset::new(
        (0..10)
            .map(|i| Record::new().with("src", "b").with("i", i as i64))
            .collect(),
    );
    let mix = Mixture::new(MixWeights::Weights(vec![1.0, 1.0]))
        .with_max_epochs(2.0)
        .with_seed(4);
    let ds = mix.dataset(vec![&a, &b]).unwrap();
    use dataprep_core::{Dataset as _, IterableDataset as _};
    // b is capped at 2 epochs (20 records), so the total is 40: 20 + 20.
    assert_eq!(ds.plan().counts, vec![20, 20]);
    assert_eq!(ds.len(), 40);
    let srcs: Vec<String> = (0..40)
        .map(|i| ds.get(i).unwrap().str("src").unwrap().to_owned())
        .collect();
    assert_eq!(srcs.iter().filter(|s| *s == "b").count(), 20);
    let stream = mix.stream(vec![&a, &b], None).unwrap();
    let got: Vec<Record> = stream.iter().unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(got.len(), 40);
    // b read twice over: indices 0..10 then 0..10 again.
    let b_idx: Vec<i64> = got
        .iter()
        .filter(|r| r.str("src").unwrap() == "b")
        .map(|r| r.i64("i").unwrap())
        .collect();
    assert_eq!(b_idx, (0..10).chain(0..10).collect::<Vec<_>>());
}

#[test]
fn weighted_sampling() {
    let w = [0.0, 1.0, 0.0, 3.0];
    let s = WeightedSampler::new(4000).with_seed(1).sample(&w).unwrap();
    assert!(s.iter().all(|&i| i == 1 || i == 3));
    let threes = s.iter().filter(|&&i| i == 3).count();
    assert!((2800..3200).contains(&threes), "{threes}");
    let wo = WeightedSampler::new(2)
        .with_replacement(false)
        .sample(&w)
        .unwrap();
    assert_eq!(wo, vec![1, 3]);
    assert!(
        WeightedSampler::new(3)
            .with_replacement(false)
            .sample(&w)
            .is_err()
    );
    let y = ["a", "b", "b", "b"];
    let by = WeightedSampler::new(10)
        .sample_by_class(&y, &[("a", 1.0)])
        .unwrap();
    assert!(by.iter().all(|&i| i == 0));
    assert!(matches!(
        WeightedSampler::new(1).sample_by_class(&y, &[("z", 1.0)]),
        Err(Error::EmptyClass { .. })
    ));
}

#[test]
fn clusters_and_merged_groupings_feed_grouped_splits() {
    let pairs = [(0, 1), (1, 2), (10, 11)];
    let clusters = clusters_from_pairs(20, &pairs).unwrap();
    let a = Splitter::new(Splits::train_test(0.3))
        .with_seed(5)
        .grouped(&clusters)
        .unwrap();
    assert!(a.leakage(&clusters).unwrap().is_clean());
    assert_eq!(a.split_of(0), a.split_of(2));
    assert_eq!(a.split_of(10), a.split_of(11));
    let users: Vec<u32> = (0..20).map(|i| i / 4).collect();
    let merged = merge_groupings(&users, &clusters).unwrap();
    let b = GroupKFold::new(3).split(&merged).unwrap();
    assert!(b.leakage(&clusters).unwrap().is_clean());
    assert!(b.leakage(&users).unwrap().is_clean());
    assert!(clusters_from_pairs(3, &[(0, 3)]).is_err());
}

// ---------------------------------------------------------------------------------------------
// Errors and warnings

#[test]
fn impossible_requests_are_clear_errors() {
    let y = ["a", "a", "b", "b", "c", "c"];
    let e = StratifiedKFold::new(3).split(&y).unwrap_err();
    assert!(
        matches!(e, Error::KExceedsClasses { k: 3, largest: 2 }),
        "{e}"
    );
    assert!(e.to_string().contains("k=3"));
    assert!(matches!(
        StratifiedKFold::new(1).split(&y),
        Err(Error::InvalidParameter(_))
    ));
    assert!(matches!(
        KFold::new(7).split(6),
        Err(Error::KExceedsSamples { k: 7, n: 6 })
    ));
    assert!(matches!(
        GroupKFold::new(4).split(&y),
        Err(Error::KExceedsGroups { k: 4, groups: 3 })
    ));
    // Fractions summing to more than 1.
    let e = Splits::new()
        .with("train", 0.8)
        .with("test", 0.3)
        .resolve(10)
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidSizes(_)) && e.to_string().contains("sum"),
        "{e}"
    );
    assert!(HashSplit::new([("a", 0.7), ("b", 0.4)]).is_err());
    // A class with one member cannot be stratified (scikit-learn raises too).
    let e = Splitter::new(Splits::train_test(0.5))
        .stratified(&["a", "a", "b"])
        .unwrap_err();
    assert!(matches!(e, Error::ClassTooSmall { count: 1, .. }), "{e}");
    assert!(e.to_string().contains("\"b\""));
    // A split smaller than the number of classes.
    let e = Splitter::new(Splits::train_test(1usize))
        .stratified(&["a", "a", "b", "b"])
        .unwrap_err();
    assert!(matches!(e, Error::SplitSmallerThanClasses { .. }), "{e}");
    // Empty classes in sampling targets.
    let e = RandomUnderSampler::new()
        .sample_to(&["a", "b", "b"], &[("c", 1)])
        .unwrap_err();
    assert!(matches!(e, Error::EmptyClass { .. }), "{e}");
    let e = RandomOverSampler::new()
        .sample_to(&["a", "b", "b"], &[("b", 1)])
        .unwrap_err();
    assert!(matches!(e, Error::InvalidParameter(_)), "{e}");
    // Mismatched lengths.
    assert!(matches!(
        StratifiedGroupKFold::new(2).split(&[1, 2], &[1]),
        Err(Error::LengthMismatch { .. })
    ));
    // An empty source with weight.
    assert!(matches!(
        Mixture::new(MixWeights::Weights(vec![1.0, 1.0])).plan(&[10, 0]),
        Err(Error::EmptyClass { .. })
    ));
    // Missing and null label columns name the row.
    let recs = vec![Record::new().with("y", "a"), Record::new().with_key("k1")];
    let e = column_keys(&recs, "y", Nulls::Error).unwrap_err();
    assert!(matches!(e, Error::Field { row: 1, .. }), "{e}");
    assert!(column_keys(&recs, "nope", Nulls::OwnGroup).is_err());
    // Errors convert into dataprep-core's.
    let core: dataprep_core::Error = Error::InvalidSizes("x".into()).into();
    assert!(matches!(core, dataprep_core::Error::Config(_)));
}

#[test]
fn warnings_where_sklearn_warns() {
    let y = ["a", "a", "a", "a", "b", "b"];
    let f = StratifiedKFold::new(3).split(&y).unwrap();
    assert_eq!(
        f.warnings(),
        &[Warning::LeastPopulatedClass {
            class: "\"b\"".into(),
            count: 2,
            k: 3
        }]
    );
    assert!(
        StratifiedKFold::new(2)
            .split(&y)
            .unwrap()
            .warnings()
            .is_empty()
    );
    // A grouped split that groups make lopsided.
    let groups = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
    let a = Splitter::new(Splits::train_test(0.5))
        .with_shuffle(false)
        .grouped(&groups)
        .unwrap();
    assert!(
        a.warnings()
            .iter()
            .any(|w| matches!(w, Warning::SplitSizeDeviation { .. })),
        "{:?}",
        a.warnings()
    );
}

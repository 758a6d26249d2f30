use dataprep_audio::ctc::forced_align;
use ndarray::Array2;
use proptest::prelude::*;

fn collapse(path: &[usize], blank: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut prev = None;
    for &p in path {
        if Some(p) != prev && p != blank {
            out.push(p);
        }
        prev = Some(p);
    }
    out
}

/// Best path score by enumerating all C^T label sequences.
fn brute(lp: &Array2<f32>, targets: &[usize], blank: usize) -> Option<f64> {
    let (t, c) = lp.dim();
    let mut best: Option<f64> = None;
    let mut path = vec![0usize; t];
    for code in 0..c.pow(t as u32) {
        let mut x = code;
        for p in path.iter_mut() {
            *p = x % c;
            x /= c;
        }
        if collapse(&path, blank) == targets {
            let s: f64 = path
                .iter()
                .enumerate()
                .map(|(i, &k)| f64::from(lp[[i, k]]))
                .sum();
            best = Some(best.map_or(s, |b: f64| b.max(s)));
        }
    }
    best
}

fn log_softmax(raw: &[f32], t: usize, c: usize) -> Array2<f32> {
    let mut a = Array2::from_shape_vec((t, c), raw.to_vec()).unwrap();
    for mut row in a.rows_mut() {
        let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let z = row.iter().map(|v| (v - m).exp()).sum::<f32>().ln() + m;
        row.mapv_inplace(|v| v - z);
    }
    a
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn viterbi_matches_brute_force(
        t in 1usize..7, c in 2usize..4,
        raw in proptest::collection::vec(-4.0f32..4.0, 24),
        tg in proptest::collection::vec(1usize..3, 0..4),
    ) {
        let targets: Vec<usize> = tg.into_iter().map(|x| 1 + (x - 1) % (c - 1)).collect();
        let lp = log_softmax(&raw[..t * c], t, c);
        let want = brute(&lp, &targets, 0);
        match forced_align(&lp, &targets, 0) {
            Ok(a) => {
                let w = want.expect("aligner found a path the brute force did not");
                prop_assert!((a.log_prob - w).abs() < 1e-4, "{} vs {}", a.log_prob, w);
                prop_assert_eq!(collapse(&a.labels, 0), targets.clone());
                let s: f64 = a.frame_log_probs.iter().map(|&v| f64::from(v)).sum();
                prop_assert!((s - a.log_prob).abs() < 1e-4);
                prop_assert_eq!(a.spans.len(), targets.len());
                for (i, sp) in a.spans.iter().enumerate() {
                    prop_assert_eq!(sp.index, i);
                    prop_assert_eq!(sp.token, targets[i]);
                    prop_assert!(sp.start < sp.end && sp.score > 0.0 && sp.score <= 1.0);
                    prop_assert!(a.labels[sp.start..sp.end].iter().all(|&l| l == sp.token));
                    if i > 0 { prop_assert!(a.spans[i - 1].end <= sp.start); }
                }
            }
            Err(_) => prop_assert!(want.is_none(), "brute force found {:?}", want),
        }
    }
}

#[test]
fn repeats_need_a_blank_and_bad_ids_are_errors() {
    let lp = log_softmax(&[0.0; 6], 2, 3);
    assert!(forced_align(&lp, &[1, 1], 0).is_err());
    let lp3 = log_softmax(&[0.0; 9], 3, 3);
    let a = forced_align(&lp3, &[1, 1], 0).unwrap();
    assert_eq!(a.labels, vec![1, 0, 1]);
    assert!(forced_align(&lp3, &[0], 0).is_err());
    assert!(forced_align(&lp3, &[3], 0).is_err());
    assert!(forced_align(&lp3, &[1], 5).is_err());
    let mut nan = lp3.clone();
    nan[[1, 1]] = f32::NAN;
    assert!(forced_align(&nan, &[1], 0).is_err());
    let empty = Array2::<f32>::zeros((0, 3));
    assert!(forced_align(&empty, &[], 0).is_err());
}

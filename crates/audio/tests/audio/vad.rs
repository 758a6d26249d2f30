use dataprep_audio::vad::*;

use super::common::*;

#[test]
fn finds_speech_in_noise_with_padding() {
    let sr = 16000;
    let (speech, _) = speech();
    let mut x = noise(sr as usize, 0.003, 1);
    let s0 = x.len();
    x.extend_from_slice(&speech[..8000]); // 0.5 s "speech"
    let s1 = x.len();
    x.extend(noise(sr as usize, 0.003, 2));
    for (a, b) in x[s0..s1].iter_mut().zip(noise(8000, 0.003, 3)) {
        *a += b;
    }
    let segs = detect_speech(&x, sr, &VadConfig::default()).unwrap();
    assert_eq!(segs.len(), 1, "{segs:?}");
    let s = segs[0];
    assert!(
        (s.start as i64 - s0 as i64).abs() < 1600,
        "start {} vs {s0}",
        s.start
    );
    assert!(
        (s.end as i64 - s1 as i64).abs() < 1600,
        "end {} vs {s1}",
        s.end
    );
    // pure noise: nothing
    assert!(
        detect_speech(&noise(32000, 0.1, 4), sr, &VadConfig::default())
            .unwrap()
            .is_empty()
    );
    assert!(
        detect_speech(&[], sr, &VadConfig::default())
            .unwrap()
            .is_empty()
    );
    assert!(detect_speech(&[f32::NAN; 1000], sr, &VadConfig::default()).is_err());
}

#[test]
fn postprocess_merges_drops_and_pads() {
    let seg = |a, b| Segment { start: a, end: b };
    // gap of 50 < 100 merged; 100..150 too short (min speech 200) dropped; pads 30 split at gap middle
    let out = postprocess(
        vec![
            seg(1000, 1500),
            seg(1550, 2000),
            seg(3000, 3050),
            seg(4000, 4500),
            seg(4540, 4545),
        ],
        5000,
        100,
        200,
        30,
    );
    assert_eq!(out, vec![seg(970, 2030), seg(3970, 4575)]);
    let out = postprocess(vec![seg(0, 300), seg(450, 800)], 810, 100, 200, 100);
    assert_eq!(out, vec![seg(0, 375), seg(375, 810)]);
}

#[test]
fn chunking_covers_with_overlap() {
    let c = chunk(10, 4, 1, 0).unwrap();
    assert_eq!(
        c.iter().map(|s| (s.start, s.end)).collect::<Vec<_>>(),
        vec![(0, 4), (3, 7), (6, 10)]
    );
    let c = chunk(11, 4, 1, 3).unwrap();
    assert_eq!(c.last().unwrap().end, 10);
    assert!(chunk(10, 4, 4, 0).is_err());
    assert!(chunk(0, 4, 0, 0).unwrap().is_empty());
}

proptest::proptest! {
    #[test]
    fn chunks_cover_everything(total in 0usize..5000, size in 1usize..500, ov in 0usize..500) {
        let ov = ov % size;
        let c = chunk(total, size, ov, 0).unwrap();
        let mut covered = 0;
        for s in &c {
            proptest::prop_assert!(s.start <= covered && s.end > s.start && s.len() <= size);
            covered = covered.max(s.end);
        }
        proptest::prop_assert_eq!(covered, total);
    }
}

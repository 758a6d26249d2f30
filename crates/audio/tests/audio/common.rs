use std::path::PathBuf;

use ndarray::Array2;

pub(crate) fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A golden array written by tools/audio_goldens.py.
pub(crate) fn golden(name: &str) -> Array2<f64> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data("goldens.json")).unwrap()).unwrap();
    let shape = &manifest["arrays"][name]["shape"];
    let (r, c) = (
        shape[0].as_u64().unwrap() as usize,
        shape[1].as_u64().unwrap() as usize,
    );
    let bytes = std::fs::read(data(&format!("{name}.f64"))).unwrap();
    let v: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    Array2::from_shape_vec((r, c), v).unwrap()
}

/// The committed speech-like signal, decoded.
pub(crate) fn speech() -> (Vec<f32>, u32) {
    let a = dataprep_audio::decode_file(&data("speechlike_16k.wav"), &Default::default()).unwrap();
    (a.channels[0].clone(), a.sample_rate)
}

/// Max relative error with the denominator floored at `floor_frac` of the array's max magnitude.
pub(crate) fn max_rel_err(ours: &Array2<f32>, gold: &Array2<f64>, floor_frac: f64) -> f64 {
    assert_eq!(ours.dim(), gold.dim(), "shape");
    let max = gold.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let floor = max * floor_frac;
    ours.iter()
        .zip(gold)
        .map(|(&a, &b)| (f64::from(a) - b).abs() / b.abs().max(floor).max(f64::MIN_POSITIVE))
        .fold(0.0, f64::max)
}

pub(crate) fn max_abs_err(ours: &Array2<f32>, gold: &Array2<f64>) -> f64 {
    assert_eq!(ours.dim(), gold.dim(), "shape");
    ours.iter()
        .zip(gold)
        .map(|(&a, &b)| (f64::from(a) - b).abs())
        .fold(0.0, f64::max)
}

pub(crate) fn tone(freq: f32, sr: u32, secs: f32, amp: f32) -> Vec<f32> {
    let n = (sr as f32 * secs) as usize;
    (0..n)
        .map(|i| amp * (2.0 * std::f32::consts::PI * freq * i as f32 / sr as f32).sin())
        .collect()
}

/// Deterministic white noise in [-amp, amp) from a 64-bit LCG.
pub(crate) fn noise(n: usize, amp: f32, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            amp * (((s >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0)
        })
        .collect()
}

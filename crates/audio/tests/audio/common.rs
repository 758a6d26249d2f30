use std::path::{Path, PathBuf};
use std::process::Command;

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

/// tools/audio_ffmpeg_goldens.py's reference decodes (soundfile or the ffmpeg CLI) of the codec
/// fixtures.
pub(crate) fn codec_goldens() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(data("codec_goldens.json")).unwrap()).unwrap()
}

/// Max absolute difference at the golden positions, and the largest relative difference of the
/// per-channel sums and RMS. Panics when the shape differs.
pub(crate) fn compare(name: &str, a: &dataprep_audio::Audio, g: &serde_json::Value) -> (f64, f64) {
    let n = |k: &str| g[k].as_u64().unwrap();
    assert_eq!(
        (
            u64::from(a.sample_rate),
            a.channels.len() as u64,
            a.frames() as u64
        ),
        (n("sample_rate"), n("channels"), n("frames")),
        "{name}: rate, channels, frames"
    );
    let idx: Vec<usize> = g["indices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let mut max_abs = 0f64;
    let mut max_rel = 0f64;
    for (c, plane) in a.channels.iter().enumerate() {
        let want = g["samples"][c].as_array().unwrap();
        for (&i, w) in idx.iter().zip(want) {
            max_abs = max_abs.max((f64::from(plane[i]) - w.as_f64().unwrap()).abs());
        }
        let sum: f64 = plane.iter().map(|&v| f64::from(v)).sum();
        let rms =
            (plane.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / plane.len() as f64).sqrt();
        let (gs, gr) = (g["sum"][c].as_f64().unwrap(), g["rms"][c].as_f64().unwrap());
        // The sum is relative to the RMS scale (a sum near zero has no useful relative error).
        max_rel = max_rel
            .max((sum - gs).abs() / (gr * plane.len() as f64))
            .max((rms - gr).abs() / gr);
    }
    (max_abs, max_rel)
}

/// Samples equal to the reference decoders': libsndfile and FFmpeg run the same decoders
/// (libopus with float output, FFmpeg's adpcm_ms = libsndfile's, wmav2, aac), so the only slack
/// is the float64 summation order of the statistics.
#[cfg_attr(not(feature = "ffmpeg"), allow(dead_code))]
pub(crate) const MAX_ABS: f64 = 1e-7;
pub(crate) const MAX_REL: f64 = 1e-9;

/// Relative RMS difference of `a` from `reference` over their common frames.
#[cfg_attr(not(feature = "ffmpeg"), allow(dead_code))]
pub(crate) fn rel_rms(a: &dataprep_audio::Audio, reference: &dataprep_audio::Audio) -> f64 {
    let (mut num, mut den) = (0f64, 0f64);
    for (x, y) in a.channels.iter().zip(&reference.channels) {
        for (&p, &q) in x.iter().zip(y) {
            num += (f64::from(p) - f64::from(q)).powi(2);
            den += f64::from(q).powi(2);
        }
    }
    (num / den).sqrt()
}

/// Runs the `ffmpeg` CLI with `args` and writes `dir/name` (the output's path, returned).
pub(crate) fn ffmpeg_cli(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let p = dir.join(name);
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .arg(&p)
        .output()
        .expect("the ffmpeg CLI is installed (scripts/dev deps)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    p
}

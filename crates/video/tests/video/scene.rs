use dataprep_video::scene::{HsvTables, downscale_size, resize_linear_rgb};
use dataprep_video::{ShotConfig, detect_shots};
use serde_json::Value;

use super::common::{ffmpeg, tmp};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// The generator of tools/video_scene_goldens.py (`lcg_image`), as BGR bytes.
fn lcg_image(w: usize, h: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..w * h * 3)
        .map(|_| {
            x = (x * 1103515245 + 12345) % (1 << 31);
            ((x >> 16) & 255) as u8
        })
        .collect()
}

fn bgr_fixture() -> Vec<u8> {
    let mut img = lcg_image(67, 41, 7);
    let fixed = [
        [0, 0, 0],
        [255, 255, 255],
        [0, 0, 255],
        [0, 255, 0],
        [255, 0, 0],
        [7, 7, 9],
    ];
    for (i, p) in fixed.iter().enumerate() {
        img[i * 3..i * 3 + 3].copy_from_slice(p);
    }
    assert_eq!(img, std::fs::read(format!("{DATA}/cv2_image.bin")).unwrap());
    img
}

fn to_rgb(bgr: &[u8]) -> Vec<u8> {
    bgr.chunks_exact(3)
        .flat_map(|p| [p[2], p[1], p[0]])
        .collect()
}

#[test]
fn hsv_is_bit_exact_with_opencv() {
    let rgb = to_rgb(&bgr_fixture());
    let want = std::fs::read(format!("{DATA}/cv2_hsv.bin")).unwrap();
    let t = HsvTables::default();
    let got: Vec<u8> = rgb
        .chunks_exact(3)
        .flat_map(|p| t.hsv(p[0], p[1], p[2]))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn linear_resize_matches_opencv() {
    let bgr = bgr_fixture();
    for (w, h) in [(52u32, 32u32), (27, 16)] {
        let want = std::fs::read(format!("{DATA}/cv2_resize_{w}x{h}.bin")).unwrap();
        let got = resize_linear_rgb(&bgr, 67, 41, w, h);
        assert_eq!(got.len(), want.len());
        assert!(got == want, "{w}x{h} differs from cv2.resize");
    }
}

#[test]
fn downscale_like_scenedetect() {
    assert_eq!(downscale_size(320, 180, 256), (256, 144));
    assert_eq!(downscale_size(640, 360, 256), (256, 144));
    assert_eq!(downscale_size(200, 100, 256), (200, 100));
    assert_eq!(downscale_size(180, 320, 256), (144, 256));
    assert_eq!(downscale_size(1920, 1080, 256), (256, 144));
}

#[test]
fn cuts_match_pyscenedetect() {
    let g: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{DATA}/scene_goldens.json")).unwrap(),
    )
    .unwrap();
    let d = tmp();
    for v in g["videos"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let p = d.path().join(format!("{name}.mp4"));
        let mut args: Vec<String> = v["ffmpeg_args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        args.push(p.to_str().unwrap().to_string());
        ffmpeg(&args.iter().map(String::as_str).collect::<Vec<_>>());
        for (key, cfg) in [
            ("content_cuts", ShotConfig::default()),
            ("adaptive_cuts", ShotConfig::adaptive()),
        ] {
            let want: Vec<i64> = v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect();
            let got = detect_shots(&p, &cfg).unwrap();
            assert_eq!(got.frames, v["frames"].as_u64().unwrap(), "{name}");
            assert_eq!(got.fps, v["fps"].as_f64().unwrap(), "{name}");
            assert_eq!(
                got.cuts_frames.len(),
                want.len(),
                "{name} {key}: {:?} vs {want:?}",
                got.cuts_frames
            );
            for (a, b) in got.cuts_frames.iter().zip(&want) {
                assert!(
                    (*a as i64 - b).abs() <= 1,
                    "{name} {key}: {:?} vs {want:?}",
                    got.cuts_frames
                );
            }
            for (f, s) in got.cuts_frames.iter().zip(&got.cuts_seconds) {
                assert!((*f as f64 / got.fps - s).abs() < 1e-6);
            }
        }
    }
}

use dataprep_video::standardize::{PixelFormat, to_gray};
use dataprep_video::{
    ExtractConfig, FrameReader, ResizeConfig, ResizeMode, Retimer, resize, retime,
};
use image::{Rgb, RgbImage};

use super::common::{av_clip, tmp};

fn img(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| Rgb([(x * 7) as u8, (y * 5) as u8, 200]))
}

#[test]
fn resize_modes_like_img2dataset() {
    let src = img(160, 90);
    let r = |m| resize(&src, &ResizeConfig::new(64, 64, m)).unwrap();
    assert_eq!(r(ResizeMode::Stretch).dimensions(), (64, 64));
    assert_eq!(r(ResizeMode::KeepRatio).dimensions(), (114, 64));
    assert_eq!(r(ResizeMode::KeepRatioLargest).dimensions(), (64, 36));
    assert_eq!(r(ResizeMode::CenterCrop).dimensions(), (64, 64));
    let b = resize(
        &src,
        &ResizeConfig::new(64, 64, ResizeMode::Border).with_pad([255, 255, 255]),
    )
    .unwrap();
    assert_eq!(b.dimensions(), (64, 64));
    // Letterbox: 36 rows of picture centred, white bars of 14 rows above and below.
    assert_eq!(b.get_pixel(10, 0).0, [255, 255, 255]);
    assert_eq!(b.get_pixel(10, 63).0, [255, 255, 255]);
    assert_eq!(b.get_pixel(10, 32).0[2], 200);
    assert!(resize(&src, &ResizeConfig::new(0, 5, ResizeMode::Border)).is_err());
    assert_eq!(to_gray(&src).dimensions(), (160, 90));
    let _ = PixelFormat::Gray8;
}

#[test]
fn retime_drops_and_duplicates_by_timestamp() {
    // 25 fps → 10 fps over 1 s: every 2.5th frame, the one on screen at k/10.
    let t25: Vec<f64> = (0..25).map(|i| i as f64 / 25.0).collect();
    assert_eq!(
        retime(&t25, 10.0, 1.0).unwrap(),
        vec![0, 2, 5, 7, 10, 12, 15, 17, 20, 22]
    );
    // 10 fps → 25 fps: duplicates.
    let t10: Vec<f64> = (0..10).map(|i| i as f64 / 10.0).collect();
    let up = retime(&t10, 25.0, 1.0).unwrap();
    assert_eq!(up.len(), 25);
    assert_eq!(&up[..6], &[0, 0, 0, 1, 1, 2]);
    // Variable input: a gap is filled with the last frame.
    assert_eq!(
        retime(&[0.0, 0.1, 0.5], 10.0, 0.6).unwrap(),
        vec![0, 1, 1, 1, 1, 2]
    );
    assert!(retime(&t10, 0.0, 1.0).is_err());
}

#[test]
fn streaming_retimer_matches_retime_on_a_video() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 48, 32, 25, 1.0);
    let frames: Vec<_> = FrameReader::open(&p, &ExtractConfig::default())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let times: Vec<f64> = frames.iter().map(|f| f.time_s).collect();
    let want = retime(&times, 8.0, 1.0).unwrap();
    let mut rt = Retimer::new(8.0).unwrap();
    let mut out = Vec::new();
    for f in frames {
        out.extend(rt.push(f));
    }
    out.extend(rt.finish(1.0));
    let got: Vec<usize> = out.iter().map(|f| (f.pts / 512) as usize).collect();
    assert_eq!(out.len(), 8);
    assert_eq!(got, want);
    for (k, f) in out.iter().enumerate() {
        assert_eq!(f.index, k as u64);
        assert!((f.time_s - k as f64 / 8.0).abs() < 1e-12);
    }
}

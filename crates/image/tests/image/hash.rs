use dataprep_image::image::{DynamicImage, Rgb, RgbImage};
use dataprep_image::{
    BkTree, Filter, ImageHash, ahash, dhash, near_duplicate_groups, phash, pixel_hash, resize_exact,
};

use super::common::{goldens, photo, synthetic};

fn image_named(name: &str) -> DynamicImage {
    match name.strip_prefix("synthetic:") {
        Some(rest) => {
            let mut it = rest.split(':');
            let kind = it.next().unwrap();
            let (w, h) = it.next().unwrap().split_once('x').unwrap();
            DynamicImage::ImageRgb8(synthetic(kind, w.parse().unwrap(), h.parse().unwrap()))
        }
        None => photo(name),
    }
}

#[test]
fn hashes_equal_python_imagehash_bit_for_bit() {
    let g = goldens();
    for case in g["hashes"].as_array().unwrap() {
        let name = case["image"].as_str().unwrap();
        let img = image_named(name);
        assert_eq!(
            ahash(&img).unwrap().to_string(),
            case["ahash"].as_str().unwrap(),
            "ahash {name}"
        );
        assert_eq!(
            dhash(&img).unwrap().to_string(),
            case["dhash"].as_str().unwrap(),
            "dhash {name}"
        );
        assert_eq!(
            phash(&img).unwrap().to_string(),
            case["phash"].as_str().unwrap(),
            "phash {name}"
        );
    }
}

#[test]
fn hash_strings_round_trip() {
    let h = ImageHash::from_hex("d2b2cc4422bf5769").unwrap();
    assert_eq!(h.to_string(), "d2b2cc4422bf5769");
    assert_eq!(h.distance(ImageHash(h.0 ^ 0b1011)), 3);
    assert!(ImageHash::from_hex("xyz").is_err());
}

#[test]
fn pixel_hash_is_exact() {
    let a = photo("coffee.png");
    let mut b = a.to_rgb8();
    assert_eq!(
        pixel_hash(&a),
        pixel_hash(&DynamicImage::ImageRgb8(b.clone()))
    );
    b.put_pixel(0, 0, Rgb([0, 0, 0]));
    assert_ne!(pixel_hash(&a), pixel_hash(&DynamicImage::ImageRgb8(b)));
}

#[test]
fn bk_tree_finds_exactly_the_neighbours_a_scan_finds() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let base: Vec<u64> = (0..20).map(|_| next()).collect();
    let hashes: Vec<ImageHash> = (0..400)
        .map(|i| {
            let flips = next() % 12;
            let mut h = base[i % 20];
            for _ in 0..flips {
                h ^= 1 << (next() % 64);
            }
            ImageHash(h)
        })
        .collect();
    let mut tree = BkTree::new();
    for (i, &h) in hashes.iter().enumerate() {
        tree.insert(h, i);
    }
    assert_eq!(tree.len(), 400);
    for q in hashes.iter().step_by(37) {
        for d in [0, 4, 10] {
            let want: Vec<(usize, u32)> = hashes
                .iter()
                .enumerate()
                .filter(|(_, h)| h.distance(*q) <= d)
                .map(|(i, h)| (i, h.distance(*q)))
                .collect();
            assert_eq!(tree.within(*q, d), want);
        }
    }
}

#[test]
fn near_duplicates_group_resized_and_recompressed_copies() {
    let photos = ["astronaut.png", "coffee.png", "chelsea.png"].map(photo);
    let mut imgs = Vec::new();
    for p in &photos {
        imgs.push(p.clone());
    }
    for p in &photos {
        imgs.push(resize_exact(p, 64, 48, Filter::Bilinear).unwrap());
    }
    let mut bright = photos[1].to_rgb8();
    for px in bright.pixels_mut() {
        px.0 = px.0.map(|v| v.saturating_add(6));
    }
    imgs.push(DynamicImage::ImageRgb8(bright));
    imgs.push(DynamicImage::ImageRgb8(RgbImage::from_fn(
        50,
        50,
        |x, y| Rgb([(x * 5) as u8, (y * 5) as u8, 0]),
    )));
    let hashes: Vec<ImageHash> = imgs.iter().map(|i| phash(i).unwrap()).collect();
    let groups = near_duplicate_groups(&hashes, 10);
    assert_eq!(groups, vec![0, 1, 2, 0, 1, 2, 1, 7]);
}

use dataprep_audio::npy::to_npy;
use dataprep_core::testing::{python, python_has, stdout_of};

#[test]
fn numpy_loads_our_npy() {
    if !python_has("numpy", "numpy_loads_our_npy") {
        return;
    }
    let a = ndarray::Array2::from_shape_fn((3, 70), |(i, j)| i as f32 * 100.0 + j as f32 * 0.5);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.npy");
    std::fs::write(&p, to_npy(&a)).unwrap();
    let out = stdout_of(
        python("import numpy as np, sys; a = np.load(sys.argv[1]); print(a.dtype, a.shape, a[2, 69], a.flags['C_CONTIGUOUS'])")
            .arg(&p),
    );
    assert_eq!(out.trim(), "float32 (3, 70) 234.5 True");
}

#[test]
fn npy_header_is_aligned() {
    for (r, c) in [(0, 0), (1, 1), (12345, 128)] {
        let b = to_npy(&ndarray::Array2::<f32>::zeros((r, c)));
        let hl = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hl) % 64, 0);
        assert_eq!(b[10 + hl - 1], b'\n');
        assert_eq!(b.len(), 10 + hl + r * c * 4);
    }
}

//! Writing `.npy` files (NumPy format 1.0, little-endian float32, C order).

use ndarray::Array2;

/// Serialises a 2-D float32 array as `.npy` bytes (`numpy.load` reads it as `float32`,
/// shape `(rows, cols)`).
pub fn to_npy(a: &Array2<f32>) -> Vec<u8> {
    let (r, c) = a.dim();
    let mut dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({r}, {c}), }}");
    // magic(6) + version(2) + header_len(2) + dict + '\n' must be a multiple of 64.
    let total = 10 + dict.len() + 1;
    let pad = (64 - total % 64) % 64;
    dict.extend(std::iter::repeat_n(' ', pad));
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len() + r * c * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    for v in a.iter() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Writes `a` to `path` as `.npy`.
///
/// # Errors
/// I/O errors.
pub fn write_npy(path: &std::path::Path, a: &Array2<f32>) -> std::io::Result<()> {
    std::fs::write(path, to_npy(a))
}

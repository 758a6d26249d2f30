//! BLAKE3 and SHA-256 of a byte stream in one pass (the two checksums of a manifest entry).

use std::io::{self, Read};

use sha2::Digest as _;

/// Size, BLAKE3 and SHA-256 (lowercase hex) of some bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checksums {
    pub(crate) bytes: u64,
    pub(crate) blake3: String,
    pub(crate) sha256: String,
}

/// Both hashers, fed the same bytes.
pub(crate) struct Hasher {
    blake3: blake3::Hasher,
    sha256: sha2::Sha256,
    bytes: u64,
}

impl Hasher {
    pub(crate) fn new() -> Self {
        Hasher {
            blake3: blake3::Hasher::new(),
            sha256: sha2::Sha256::new(),
            bytes: 0,
        }
    }

    /// Feeds `data` to both hashers; large chunks are hashed on two threads.
    pub(crate) fn update(&mut self, data: &[u8]) {
        let (b, s) = (&mut self.blake3, &mut self.sha256);
        if data.len() >= 256 << 10 {
            rayon::join(|| b.update(data), || s.update(data));
        } else {
            b.update(data);
            s.update(data);
        }
        self.bytes += data.len() as u64;
    }

    pub(crate) fn finish(self) -> Checksums {
        Checksums {
            bytes: self.bytes,
            blake3: self.blake3.finalize().to_hex().to_string(),
            sha256: hex(&self.sha256.finalize()),
        }
    }
}

/// A reader that hashes what it reads.
pub(crate) struct HashingReader<R> {
    pub(crate) inner: R,
    pub(crate) hasher: Hasher,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.hasher.update(&buf[..k]);
        Ok(k)
    }
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Hashes a whole stream (1 MiB reads).
pub(crate) fn of_reader(mut r: impl Read) -> io::Result<Checksums> {
    let mut h = Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..k]);
    }
    Ok(h.finish())
}

/// Hashes a local file.
pub(crate) fn of_file(path: &std::path::Path) -> io::Result<Checksums> {
    of_reader(std::fs::File::open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        // Reference values: `sha256sum` and `b3sum` of "abc".
        let c = of_reader(&b"abc"[..]).unwrap();
        assert_eq!(c.bytes, 3);
        assert_eq!(
            c.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            c.blake3,
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
        );
        // A large input goes through the two-thread path and gives the same digests as one
        // update per byte range.
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut h = Hasher::new();
        for c in big.chunks(1000) {
            h.update(c);
        }
        assert_eq!(of_reader(big.as_slice()).unwrap(), h.finish());
    }
}

//! [`Compression`]: the codec of a file (JSONL) or of the pages inside it (Parquet).

use std::path::Path;

/// A compression codec with its level.
///
/// One enum serves every format so that a job's configuration reads the same for all of them; each
/// writer accepts the codecs its format supports and its `build()` rejects the others with
/// [`dataprep_core::Error::Config`]:
///
/// | codec | JSONL (whole file) | Parquet (per page) |
/// |---|---|---|
/// | [`None`](Compression::None) | yes | yes |
/// | [`Gzip`](Compression::Gzip) | yes (`.gz`) | yes |
/// | [`Zstd`](Compression::Zstd) | yes (`.zst`, `.zstd`) | yes (the Parquet default here, level 3) |
/// | [`Snappy`](Compression::Snappy) | no | yes |
/// | [`Lz4`](Compression::Lz4) | no | yes (`LZ4_RAW`) |
///
/// Readers ignore the level.
///
/// ```
/// use dataprep_storage::Compression;
/// assert_eq!(Compression::from_path("docs.jsonl.zst"), Compression::zstd());
/// assert_eq!(Compression::from_path("docs.jsonl.GZ"), Compression::gzip());
/// assert_eq!(Compression::from_path("docs.jsonl"), Compression::None);
/// assert_eq!(Compression::Zstd { level: 19 }.to_string(), "zstd(19)");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Compression {
    /// No compression.
    #[default]
    None,
    /// Gzip (DEFLATE), level 0–9. Reading accepts concatenated members (`pigz`, `bgzip`).
    Gzip {
        /// 0 (store) to 9 (smallest); 6 is the usual default.
        level: u32,
    },
    /// Zstandard, level 1–22 (negative levels are the fast modes). Reading accepts concatenated
    /// frames.
    Zstd {
        /// 1 to 22; 3 is the usual default.
        level: i32,
    },
    /// Snappy (Parquet only).
    Snappy,
    /// LZ4 (Parquet only; written as `LZ4_RAW`).
    Lz4,
}

impl Compression {
    /// Gzip at the default level 6.
    pub const fn gzip() -> Self {
        Compression::Gzip { level: 6 }
    }

    /// Zstandard at the default level 3.
    pub const fn zstd() -> Self {
        Compression::Zstd { level: 3 }
    }

    /// The codec a file name implies: `.gz` → gzip, `.zst` / `.zstd` → zstd (default levels),
    /// anything else → none. The extension is matched case-insensitively.
    pub fn from_path(path: impl AsRef<Path>) -> Self {
        let ext = path
            .as_ref()
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("gz" | "gzip") => Compression::gzip(),
            Some("zst" | "zstd") => Compression::zstd(),
            _ => Compression::None,
        }
    }

    /// True for [`Compression::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, Compression::None)
    }

    /// Checks the level against the codec's range.
    ///
    /// # Errors
    /// [`dataprep_core::Error::Config`] for a level out of range.
    pub fn validate(&self) -> dataprep_core::Result<()> {
        let bad = match *self {
            Compression::Gzip { level } => level > 9,
            Compression::Zstd { level } => !(-7..=22).contains(&level) || level == 0,
            _ => false,
        };
        if bad {
            return Err(dataprep_core::Error::Config(format!(
                "compression level out of range: {self}"
            )));
        }
        Ok(())
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Compression::None => f.write_str("none"),
            Compression::Gzip { level } => write!(f, "gzip({level})"),
            Compression::Zstd { level } => write!(f, "zstd({level})"),
            Compression::Snappy => f.write_str("snappy"),
            Compression::Lz4 => f.write_str("lz4"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_path_and_validate() {
        assert_eq!(
            Compression::from_path("a/b.jsonl.zstd"),
            Compression::zstd()
        );
        assert_eq!(Compression::from_path("b.gz"), Compression::gzip());
        assert_eq!(Compression::from_path("b"), Compression::None);
        assert_eq!(Compression::from_path("b.parquet"), Compression::None);
        assert!(Compression::Gzip { level: 10 }.validate().is_err());
        assert!(Compression::Zstd { level: 0 }.validate().is_err());
        assert!(Compression::Zstd { level: 23 }.validate().is_err());
        assert!(Compression::Zstd { level: -3 }.validate().is_ok());
        assert!(Compression::Snappy.validate().is_ok());
    }
}

//! How a local media file is handed to a demuxer library (FFmpeg) so that it reads that file
//! and nothing else: no URL, no other local file.
//!
//! This is the pure half of the rule, shared by dataprep-audio and dataprep-video (which may not
//! depend on each other); each crate applies it where it calls FFmpeg. It has no FFmpeg
//! dependency, only names and bytes.
//!
//! The dangers, from FFmpeg's demuxer and protocol lists:
//! - **Protocols.** FFmpeg reads a name such as `http:clip.mp4`, `concat:a|b`, `subfile:…`,
//!   `data:…` or `pipe:0` as a URL, not a file. [`file_url`] turns a path into `file:/abs/path`,
//!   so the name is always a local file, and [`FFMPEG_INPUT_OPTIONS`] / [`FFMPEG_OUTPUT_OPTIONS`]
//!   set `protocol_whitelist=file` so that nothing a demuxer opens later may be a URL either.
//! - **Demuxers that open what a file lists.** HLS playlists (`#EXTM3U`: segments, keys, variant
//!   playlists), `ffconcat` lists, DASH manifests (`<MPD`), IMF composition playlists
//!   (`<CompositionPlaylist`, which open `ASSETMAP.xml` and MXF files), SDP descriptions
//!   (`c=IN IP…`: RTP sockets), VobSub indexes (the sibling `.sub`) and Magic Lantern Video
//!   (`MLVI`: the sibling `.M00`…`.M99` chunks). The whitelist alone would still let them read
//!   other *local* files, so [`sniff_reference`] recognises them from the leading bytes, with
//!   conditions wider than FFmpeg's own probes (for the text formats FFmpeg searches the probe
//!   buffer up to its first NUL byte, up to 1 MiB; so does the sniff), and [`check_input`]
//!   refuses them before FFmpeg is called.
//! - **Options pinned.** `mov` external data references (`enable_drefs`, off by default in
//!   FFmpeg 5.1 and later, and `use_absolute_path`) are pinned off; `image2` reads a name with
//!   `%d` as a numbered sequence of other files, so `pattern_type=none` makes it read the one
//!   file named; the `concat` demuxer is kept in its `safe` mode (it is refused anyway).
//! - **Scripts.** AviSynth (`.avs`) and VapourSynth (`.vpy`) demuxers, present in some FFmpeg
//!   builds, are chosen by extension and run the script; such names are refused.
//! - **Outputs.** Muxers that write files of their own (HLS, DASH, segment, tee, image2, …:
//!   FFmpeg's `AVFMT_NOFILE` flag) must be refused by the caller, which sees the muxer; here
//!   outputs get the same `file:` URL and protocol whitelist.
//!
//! ```
//! use dataprep_core::media_input::{Refusal, sniff_reference};
//! let playlist = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://127.0.0.1:1/x.ts\n";
//! assert_eq!(sniff_reference(playlist), Some(Refusal::Hls));
//! assert_eq!(sniff_reference(b"\x00\x00\x00\x20ftypisom"), None);
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

/// How many leading bytes FFmpeg's probe may look at (its `PROBE_BUF_MAX`, 1 MiB), and so the
/// most [`read_head`] reads.
pub const SNIFF_LEN: usize = 1 << 20;

/// Options every FFmpeg input must be opened with (`avformat_open_input` dictionary).
pub const FFMPEG_INPUT_OPTIONS: &[(&str, &str)] = &[
    ("protocol_whitelist", "file"),
    ("enable_drefs", "0"),
    ("use_absolute_path", "0"),
    ("pattern_type", "none"),
    ("safe", "1"),
];

/// Options every FFmpeg output must be opened with (`avio_open2` dictionary).
pub const FFMPEG_OUTPUT_OPTIONS: &[(&str, &str)] = &[("protocol_whitelist", "file")];

/// Why an input (or output) is not handed to FFmpeg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// An HLS playlist (`#EXTM3U`).
    Hls,
    /// An `ffconcat` list.
    FfConcat,
    /// A DASH manifest (`<MPD`).
    Dash,
    /// An IMF composition playlist (`<CompositionPlaylist`).
    Imf,
    /// An SDP session description (a `c=IN IP…` line).
    Sdp,
    /// A VobSub index (`# VobSub index file`).
    VobSub,
    /// Magic Lantern Video (`MLVI`), which reads numbered sibling files.
    Mlv,
    /// A script FFmpeg would run (`.avs`, `.vpy`).
    Script,
    /// An output muxer that writes files of its own (segments, playlists, image sequences).
    MultiFileOutput,
    /// The path is not valid UTF-8 (FFmpeg takes UTF-8 URLs) or holds a NUL byte.
    NotUtf8,
    /// The path is not a regular file (a directory, a device, a FIFO).
    NotAFile,
}

impl Refusal {
    /// A short stable name (`hls`, `ffconcat`, …) for counters and drop reasons.
    pub fn name(self) -> &'static str {
        match self {
            Refusal::Hls => "hls",
            Refusal::FfConcat => "ffconcat",
            Refusal::Dash => "dash",
            Refusal::Imf => "imf",
            Refusal::Sdp => "sdp",
            Refusal::VobSub => "vobsub",
            Refusal::Mlv => "mlv",
            Refusal::Script => "script",
            Refusal::MultiFileOutput => "multi_file_output",
            Refusal::NotUtf8 => "not_utf8",
            Refusal::NotAFile => "not_a_file",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::Hls => {
                "an HLS playlist (#EXTM3U): its demuxer opens the segments, keys and playlists it \
                 lists (other files or URLs)"
            }
            Refusal::FfConcat => "an ffconcat list: its demuxer opens the files it lists",
            Refusal::Dash => "a DASH manifest (<MPD>): its demuxer opens the segments it lists",
            Refusal::Imf => {
                "an IMF composition playlist: its demuxer opens the asset map and MXF files"
            }
            Refusal::Sdp => "an SDP description: its demuxer opens the network streams it lists",
            Refusal::VobSub => "a VobSub index: its demuxer opens a sibling .sub file",
            Refusal::Mlv => "Magic Lantern Video: its demuxer opens numbered sibling files",
            Refusal::Script => "an AviSynth/VapourSynth script: FFmpeg would run it",
            Refusal::MultiFileOutput => {
                "an output format that writes files of its own (segments, playlists, image \
                 sequences)"
            }
            Refusal::NotUtf8 => "the path is not UTF-8 or holds a NUL byte",
            Refusal::NotAFile => "not a regular file",
        })
    }
}

/// A media path refused, or unreadable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaInputError {
    /// The file is one FFmpeg must not open (see [`Refusal`]).
    #[error("{path}: refused: {why}")]
    Refused {
        /// The file.
        path: PathBuf,
        /// Why.
        why: Refusal,
    },
    /// The file could not be inspected.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Recognises, from a file's leading bytes, a format whose FFmpeg demuxer opens other files or
/// URLs. `head` should be what [`read_head`] returns (up to [`SNIFF_LEN`] bytes, or up to the
/// first NUL byte past the start): the text formats are searched up to the first NUL byte, as
/// FFmpeg's probes do, with a UTF-8 byte-order mark and leading white space skipped.
pub fn sniff_reference(head: &[u8]) -> Option<Refusal> {
    let head = &head[..head.len().min(SNIFF_LEN)];
    if head.starts_with(b"MLVI") {
        return Some(Refusal::Mlv);
    }
    let text = &head[..head.iter().position(|&b| b == 0).unwrap_or(head.len())];
    let start = text
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(text)
        .trim_ascii_start();
    if start.starts_with(b"#EXTM3U") {
        return Some(Refusal::Hls);
    }
    if start.starts_with(b"ffconcat") {
        return Some(Refusal::FfConcat);
    }
    if start.starts_with(b"# VobSub index file") {
        return Some(Refusal::VobSub);
    }
    if contains_ignore_case(text, b"<mpd") {
        return Some(Refusal::Dash);
    }
    if contains_ignore_case(text, b"<compositionplaylist") {
        return Some(Refusal::Imf);
    }
    if text
        .split(|&b| b == b'\n' || b == b'\r')
        .any(|line| line.trim_ascii_start().starts_with(b"c=IN IP"))
    {
        return Some(Refusal::Sdp);
    }
    None
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Reads the bytes [`sniff_reference`] needs: up to [`SNIFF_LEN`], stopping early once a NUL
/// byte has been read (FFmpeg's text probes stop there too), so a binary media file costs one
/// small read.
///
/// # Errors
/// The I/O error opening or reading `path`.
pub fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 8192];
    while head.len() < SNIFF_LEN {
        let want = chunk.len().min(SNIFF_LEN - head.len());
        let n = match file.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        head.extend_from_slice(&chunk[..n]);
        if head.len() >= 8 && head.contains(&0) {
            break;
        }
    }
    Ok(head)
}

/// The FFmpeg URL of a local path: `file:` followed by the absolute path, so that a name such as
/// `http:clip.mp4` or `concat:a|b` is read as the file it is. Refuses script extensions
/// (`.avs`, `.vpy`) and paths that are not UTF-8 or hold a NUL byte. The file need not exist
/// (outputs use this too).
///
/// # Errors
/// [`MediaInputError::Refused`] ([`Refusal::Script`], [`Refusal::NotUtf8`]);
/// [`MediaInputError::Io`] if the working directory cannot be read for a relative path.
///
/// ```
/// use dataprep_core::media_input::file_url;
/// let url = file_url("/data/http:clip.mp4".as_ref())?;
/// assert_eq!(url, "file:/data/http:clip.mp4");
/// # Ok::<(), dataprep_core::media_input::MediaInputError>(())
/// ```
pub fn file_url(path: &Path) -> Result<String, MediaInputError> {
    let refused = |why| MediaInputError::Refused {
        path: path.to_path_buf(),
        why,
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("avs" | "vpy")) {
        return Err(refused(Refusal::Script));
    }
    let abs = std::path::absolute(path).map_err(|source| MediaInputError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match abs.to_str() {
        Some(s) if !s.contains('\0') => Ok(format!("file:{s}")),
        _ => Err(refused(Refusal::NotUtf8)),
    }
}

/// Everything to check before FFmpeg opens `path` for reading: it is a regular file, its URL
/// ([`file_url`]), and its leading bytes are not a playlist or manifest ([`sniff_reference`]).
/// Returns the URL to open, with [`FFMPEG_INPUT_OPTIONS`].
///
/// # Errors
/// [`MediaInputError::Refused`] with the reason; [`MediaInputError::Io`] if `path` cannot be
/// read.
pub fn check_input(path: &Path) -> Result<String, MediaInputError> {
    let io = |source| MediaInputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(MediaInputError::Refused {
            path: path.to_path_buf(),
            why: Refusal::NotAFile,
        });
    }
    let url = file_url(path)?;
    if let Some(why) = sniff_reference(&read_head(path).map_err(io)?) {
        return Err(MediaInputError::Refused {
            path: path.to_path_buf(),
            why,
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_every_reference_format() {
        let cases: &[(&[u8], Refusal)] = &[
            (b"#EXTM3U\n#EXTINF:1,\nx.ts\n", Refusal::Hls),
            (b"\xEF\xBB\xBF  \r\n#EXTM3U\n", Refusal::Hls),
            (b"ffconcat version 1.0\nfile a.mp4\n", Refusal::FfConcat),
            (
                b"<?xml version=\"1.0\"?>\n<mpd profiles=\"urn:mpeg:dash:profile:isoff-live:2011\">",
                Refusal::Dash,
            ),
            (
                b"<?xml?><CompositionPlaylist><ContentTitle>x</ContentTitle>",
                Refusal::Imf,
            ),
            (b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\nc=IN IP4 127.0.0.1\r\n", Refusal::Sdp),
            (b"# VobSub index file, v7 (do not modify this line!)\n", Refusal::VobSub),
            (b"MLVI\x34\x00\x00\x00", Refusal::Mlv),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                sniff_reference(bytes),
                Some(*want),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn binary_media_and_text_after_a_nul_are_not_references() {
        assert_eq!(sniff_reference(b"\x00\x00\x00\x18ftypmp42"), None);
        assert_eq!(sniff_reference(b"\x1aE\xdf\xa3\x00<MPD dash:profile"), None);
        assert_eq!(sniff_reference(b"OggS\x00\x02"), None);
        assert_eq!(sniff_reference(b""), None);
        // `#EXTM3U` later in a file is not a playlist header.
        assert_eq!(sniff_reference(b"RIFF\x10\x00\x00\x00#EXTM3U"), None);
    }

    #[test]
    fn urls_are_absolute_file_urls_and_scripts_are_refused() {
        let url = file_url(Path::new("http:x.mp4")).unwrap();
        assert!(
            url.starts_with("file:/") && url.ends_with("/http:x.mp4"),
            "{url}"
        );
        for name in ["a.avs", "b.VPY"] {
            assert!(matches!(
                file_url(Path::new(name)),
                Err(MediaInputError::Refused {
                    why: Refusal::Script,
                    ..
                })
            ));
        }
    }

    #[test]
    fn check_input_reads_only_the_head_and_refuses_directories() {
        let dir = std::env::temp_dir().join(format!("dp-media-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(matches!(
            check_input(&dir),
            Err(MediaInputError::Refused {
                why: Refusal::NotAFile,
                ..
            })
        ));
        let list = dir.join("list.mp4");
        std::fs::write(&list, b"ffconcat version 1.0\nfile other.mp4\n").unwrap();
        let err = check_input(&list).unwrap_err();
        assert!(err.to_string().contains("ffconcat"), "{err}");
        let bin = dir.join("bin.mp4");
        let mut bytes = b"\x00\x00\x00\x18ftypmp42".to_vec();
        bytes.resize(3 << 20, b'x');
        std::fs::write(&bin, &bytes).unwrap();
        assert_eq!(read_head(&bin).unwrap().len(), 8192);
        assert!(check_input(&bin).unwrap().starts_with("file:/"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

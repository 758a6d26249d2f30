//! Content sniffing: which kind of media a file holds (image, audio, video) and in which format,
//! from its first bytes (magic numbers), with the file extension only as a hint.
//!
//! [`sniff`] looks at a prefix of the file ([`SNIFF_BYTES`] is enough for every signature here,
//! including three MPEG transport-stream packets) and never reads past it, so it is safe on any
//! input. It answers `None` when no signature matches; [`kind_of_extension`] is the fallback the
//! caller may use then. [`sniff_with_hint`] lets the extension refine containers that hold
//! either audio or video (Matroska `.mka`, ASF `.wma`, MP4 `.m4a`).
//!
//! ```
//! use dataprep_storage::sniff::{MediaKind, sniff};
//! let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
//! let s = sniff(png).unwrap();
//! assert_eq!((s.kind, s.format), (MediaKind::Image, "png"));
//! // MPEG program stream (a `.mpg` file): pack start code.
//! assert_eq!(sniff(b"\0\0\x01\xba\x44\0\x04\0\x04\x01").unwrap().format, "mpeg-ps");
//! assert!(sniff(b"hello, world").is_none());
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// How many leading bytes [`sniff`] needs to see every signature it knows.
pub const SNIFF_BYTES: usize = 4096;

/// The kind of media in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MediaKind {
    /// A still (or animated) image.
    Image,
    /// Audio without pictures.
    Audio,
    /// Moving pictures, possibly with audio.
    Video,
}

impl MediaKind {
    /// `image`, `audio` or `video`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`sniff`] found: the kind and a short format name (`png`, `mpeg-ts`, `ogg-vorbis`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sniffed {
    /// The kind of media.
    pub kind: MediaKind,
    /// The format, lower case (`jpeg`, `png`, `wav`, `mp4`, `matroska`, `mpeg-ps`, …).
    pub format: &'static str,
}

impl Sniffed {
    const fn new(kind: MediaKind, format: &'static str) -> Self {
        Sniffed { kind, format }
    }
}

impl fmt::Display for Sniffed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.format, self.kind)
    }
}

const fn img(f: &'static str) -> Option<Sniffed> {
    Some(Sniffed::new(MediaKind::Image, f))
}
const fn aud(f: &'static str) -> Option<Sniffed> {
    Some(Sniffed::new(MediaKind::Audio, f))
}
const fn vid(f: &'static str) -> Option<Sniffed> {
    Some(Sniffed::new(MediaKind::Video, f))
}

/// The kind a file extension (without the dot, any case) usually stands for, if it is a media
/// extension this module knows.
pub fn kind_of_extension(ext: &str) -> Option<MediaKind> {
    let e = ext.to_ascii_lowercase();
    Some(match e.as_str() {
        "jpg" | "jpeg" | "jpe" | "jfif" | "png" | "apng" | "gif" | "webp" | "tif" | "tiff"
        | "bmp" | "dib" | "ico" | "cur" | "avif" | "heic" | "heif" | "jxl" | "qoi" | "pbm"
        | "pgm" | "ppm" | "pnm" | "pam" | "hdr" | "exr" | "dds" | "tga" | "psd" => MediaKind::Image,
        "wav" | "wave" | "flac" | "mp3" | "mp2" | "ogg" | "oga" | "opus" | "spx" | "m4a"
        | "m4b" | "aac" | "adts" | "aif" | "aiff" | "aifc" | "caf" | "amr" | "wma" | "mka"
        | "weba" | "wv" | "ape" | "ac3" | "alac" => MediaKind::Audio,
        "mp4" | "m4v" | "mov" | "qt" | "mkv" | "webm" | "avi" | "mpg" | "mpeg" | "mpe" | "vob"
        | "m2v" | "ts" | "mts" | "m2ts" | "m2t" | "tsv" | "flv" | "f4v" | "wmv" | "asf" | "3gp"
        | "3g2" | "ogv" | "rm" | "rmvb" | "y4m" | "dv" | "mxf" => MediaKind::Video,
        _ => return None,
    })
}

/// [`sniff`], with the extension refining containers that carry either audio or video: a
/// Matroska file named `.mka`/`.weba`, an ASF file named `.wma`, an MP4 named `.m4a`/`.m4b`, an
/// FLV or Ogg of unknown content, are audio. The extension never overrides a clear signature of
/// another kind (a PNG named `.mp4` is still a PNG).
pub fn sniff_with_hint(head: &[u8], ext: Option<&str>) -> Option<Sniffed> {
    let s = sniff(head)?;
    let audio_ext = ext.and_then(kind_of_extension) == Some(MediaKind::Audio);
    if audio_ext
        && s.kind == MediaKind::Video
        && matches!(s.format, "matroska" | "webm" | "asf" | "mp4" | "ogg")
    {
        return aud(s.format);
    }
    Some(s)
}

/// Recognises image, audio and video formats by their leading bytes; `None` when no known
/// signature matches (the caller may then go by the extension or a full probe).
///
/// Images: JPEG, PNG, GIF, WebP, TIFF, BMP, ICO/CUR, AVIF/HEIC (ISO-BMFF `ftyp`), JPEG XL, QOI,
/// OpenEXR, Radiance HDR, PSD, DDS, PNM. Audio: RIFF WAVE, FLAC, Ogg Vorbis/Opus/FLAC/Speex,
/// MP3 (ID3 tag or frame sync), AAC ADTS, M4A (`ftyp` brand), AIFF/AIFC, CAF, AMR, WavPack,
/// Monkey's Audio. Video: MP4/MOV/3GP (`ftyp` brands, or a QuickTime atom), Matroska/WebM (EBML
/// doc type), AVI, MPEG-PS, MPEG video elementary stream, MPEG-TS (sync byte every 188 bytes)
/// and M2TS (every 192), FLV, ASF/WMV, Ogg Theora, RealMedia, YUV4MPEG2.
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    let h = head;
    let at = |off: usize, sig: &[u8]| h.len() >= off + sig.len() && &h[off..off + sig.len()] == sig;
    // Images.
    if at(0, b"\xFF\xD8\xFF") {
        return img("jpeg");
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return img("png");
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return img("gif");
    }
    if at(0, b"II*\0") || at(0, b"MM\0*") || at(0, b"II+\0") || at(0, b"MM\0+") {
        return img("tiff");
    }
    if at(0, b"\xFF\x0A") || at(0, b"\0\0\0\x0CJXL \r\n\x87\n") {
        return img("jxl");
    }
    if at(0, b"qoif") {
        return img("qoi");
    }
    if at(0, b"\x76\x2F\x31\x01") {
        return img("exr");
    }
    if at(0, b"#?RADIANCE") || at(0, b"#?RGBE") {
        return img("hdr");
    }
    if at(0, b"8BPS\0\x01") {
        return img("psd");
    }
    if at(0, b"DDS \x7C\0\0\0") {
        return img("dds");
    }
    if h.len() >= 18 && at(0, b"BM") {
        let dib = u32::from_le_bytes([h[14], h[15], h[16], h[17]]);
        if matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124) {
            return img("bmp");
        }
    }
    if h.len() >= 6 && (at(0, b"\0\0\x01\0") || at(0, b"\0\0\x02\0")) {
        let count = u16::from_le_bytes([h[4], h[5]]);
        // Directory entries: reserved byte 0 and colour planes 0/1 (ICO).
        if count > 0 && (h.len() < 22 || h[9] == 0) {
            return img(if h[2] == 1 { "ico" } else { "cur" });
        }
    }
    if h.len() >= 3
        && h[0] == b'P'
        && (b'1'..=b'7').contains(&h[1])
        && matches!(h[2], b' ' | b'\n' | b'\r' | b'\t')
    {
        return img("pnm");
    }
    // RIFF family.
    if at(0, b"RIFF") || at(0, b"RIFX") || at(0, b"RF64") {
        if at(8, b"WAVE") {
            return aud("wav");
        }
        if at(8, b"AVI ") || at(8, b"AVIX") {
            return vid("avi");
        }
        if at(8, b"WEBP") {
            return img("webp");
        }
        if at(8, b"CDXA") {
            return vid("mpeg-ps");
        }
    }
    if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        return aud("aiff");
    }
    // ISO base media (MP4, MOV, 3GP, M4A, HEIF/AVIF).
    if at(4, b"ftyp") {
        return ftyp(h);
    }
    if h.len() >= 8
        && [&b"moov"[..], b"mdat", b"wide", b"free", b"skip", b"pnot"].contains(&&h[4..8])
    {
        return vid("mov");
    }
    if at(0, b"\x1A\x45\xDF\xA3") {
        // EBML header: look for the DocType element (0x42 0x82) in the header.
        let end = h.len().min(64);
        if let Some(i) = h[..end].windows(2).position(|w| w == b"\x42\x82") {
            let rest = &h[i + 2..end];
            if rest.len() >= 5 && &rest[1..5] == b"webm" {
                return vid("webm");
            }
        }
        return vid("matroska");
    }
    if at(0, b"OggS") {
        return ogg(h);
    }
    if at(0, b"fLaC") {
        return aud("flac");
    }
    if at(0, b"caff") {
        return aud("caf");
    }
    if at(0, b"#!AMR") {
        return aud("amr");
    }
    if at(0, b"wvpk") {
        return aud("wavpack");
    }
    if at(0, b"MAC ") {
        return aud("ape");
    }
    if at(
        0,
        b"\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C",
    ) {
        return vid("asf");
    }
    if at(0, b"FLV\x01") && h.len() >= 5 {
        // Flags: 0x04 audio present, 0x01 video present.
        return if h[4] & 0x01 == 0 && h[4] & 0x04 != 0 {
            aud("flv")
        } else {
            vid("flv")
        };
    }
    if at(0, b".RMF") {
        return vid("realmedia");
    }
    if at(0, b"YUV4MPEG2") {
        return vid("y4m");
    }
    if at(0, b"\0\0\x01\xBA") {
        return vid("mpeg-ps");
    }
    if at(0, b"\0\0\x01\xB3") {
        return vid("mpeg-video");
    }
    if let Some(f) = transport_stream(h) {
        return vid(f);
    }
    if at(0, b"ID3") {
        return id3(h);
    }
    mpeg_audio(h, 0)
}

/// MPEG-TS: the sync byte 0x47 starts every 188-byte packet; M2TS (Blu-ray, `.m2ts`) prefixes
/// each packet with a 4-byte timestamp (192-byte packets).
fn transport_stream(h: &[u8]) -> Option<&'static str> {
    for (first, stride, name) in [(0, 188, "mpeg-ts"), (4, 192, "m2ts")] {
        let need = h.len().saturating_sub(first).div_ceil(stride).min(4);
        // At least two packets seen, all with the sync byte.
        if need >= 2
            && (0..need).all(|k| h.get(first + k * stride) == Some(&0x47))
            && h.len() > first + stride
        {
            return Some(name);
        }
    }
    None
}

fn ftyp(h: &[u8]) -> Option<Sniffed> {
    let brand = h.get(8..12)?;
    let size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
    let compat_end = size.clamp(16, 256).min(h.len());
    let compat: Vec<&[u8]> = h
        .get(16..compat_end)
        .unwrap_or(&[])
        .chunks_exact(4)
        .collect();
    let has = |b: &[u8]| brand == b || compat.contains(&b);
    match brand {
        b"avif" | b"avis" => return img("avif"),
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
            return if has(b"avif") {
                img("avif")
            } else {
                img("heif")
            };
        }
        b"M4A " | b"M4B " | b"M4P " | b"F4A " | b"F4B " => return aud("m4a"),
        b"qt  " => return vid("mov"),
        b"crx " => return img("cr3"),
        _ => {}
    }
    if brand.starts_with(b"3g") {
        return vid("3gp");
    }
    if has(b"avif") {
        return img("avif");
    }
    vid("mp4")
}

/// Ogg: the codec of each logical stream is in its first (BOS) page; a Theora stream makes the
/// file a video.
fn ogg(h: &[u8]) -> Option<Sniffed> {
    let mut off = 0usize;
    let mut first: Option<&'static str> = None;
    // Walk the leading BOS pages.
    for _ in 0..16 {
        let Some(page) = h.get(off..) else {
            break;
        };
        if page.len() < 27 || &page[..4] != b"OggS" || page[5] & 0x02 == 0 {
            break;
        }
        let nseg = page[26] as usize;
        let Some(segs) = page.get(27..27 + nseg) else {
            break;
        };
        let body_len: usize = segs.iter().map(|&s| s as usize).sum();
        let body = &page[(27 + nseg).min(page.len())..];
        let codec = if body.starts_with(b"\x80theora") {
            return vid("ogg-theora");
        } else if body.starts_with(b"\x01vorbis") {
            Some("ogg-vorbis")
        } else if body.starts_with(b"OpusHead") {
            Some("ogg-opus")
        } else if body.starts_with(b"\x7FFLAC") {
            Some("ogg-flac")
        } else if body.starts_with(b"Speex   ") {
            Some("ogg-speex")
        } else {
            None
        };
        first = first.or(codec);
        off += 27 + nseg + body_len;
    }
    match first {
        Some(f) => aud(f),
        None => vid("ogg"),
    }
}

/// An ID3v2 tag, then (when the tag ends within the prefix) MPEG audio or ADTS AAC frames.
fn id3(h: &[u8]) -> Option<Sniffed> {
    if h.len() < 10 {
        return aud("mp3");
    }
    let size = h[6..10]
        .iter()
        .fold(0usize, |acc, &b| (acc << 7) | (b & 0x7F) as usize);
    let footer = if h[5] & 0x10 != 0 { 10 } else { 0 };
    let after = 10 + size + footer;
    match mpeg_audio(h, after) {
        Some(s) => Some(s),
        // A tag with nothing recognisable after it: still most likely MP3.
        None => aud("mp3"),
    }
}

/// MPEG-1/2 audio (layers I–III) or ADTS AAC frame header at `off`, confirmed by a second frame
/// header right after the first frame when the prefix reaches it.
fn mpeg_audio(h: &[u8], off: usize) -> Option<Sniffed> {
    let f = h.get(off..off + 4)?;
    if f[0] != 0xFF || f[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (f[1] >> 3) & 0x03; // 0: 2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
    let layer = (f[1] >> 1) & 0x03; // 0: reserved (ADTS), 1: III, 2: II, 3: I
    if layer == 0 {
        // ADTS: 12-bit sync, layer 00; frame length in 13 bits.
        if f[1] & 0xF6 != 0xF0 {
            return None;
        }
        let sr_index = (f[2] >> 2) & 0x0F;
        if sr_index > 12 {
            return None;
        }
        let len = h.get(off + 3..off + 6).map(|b| {
            ((b[0] as usize & 0x03) << 11) | ((b[1] as usize) << 3) | (b[2] as usize >> 5)
        });
        return match len {
            Some(n) if n < 7 => None,
            Some(n) => match h.get(off + n..off + n + 2) {
                Some(next) if !(next[0] == 0xFF && next[1] & 0xF6 == 0xF0) => None,
                _ => aud("aac"),
            },
            None => aud("aac"),
        };
    }
    if version == 1 {
        return None;
    }
    let bitrate_index = (f[2] >> 4) as usize;
    let sr_index = ((f[2] >> 2) & 0x03) as usize;
    if bitrate_index == 0 || bitrate_index == 15 || sr_index == 3 {
        return None;
    }
    let name = match layer {
        1 => "mp3",
        2 => "mp2",
        _ => "mp1",
    };
    // Frame length, to confirm with the next header.
    const BR_V1: [[u32; 15]; 3] = [
        [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ],
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ],
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ],
    ];
    const BR_V2: [[u32; 15]; 2] = [
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];
    const SR: [u32; 3] = [44100, 48000, 32000];
    let sr = SR[sr_index] >> (3 - version as u32).min(2);
    let padding = u32::from((f[2] >> 1) & 1);
    let (l, v1) = (layer as usize, version == 3);
    let kbps = if v1 {
        BR_V1[3 - l][bitrate_index]
    } else {
        BR_V2[if l == 3 { 0 } else { 1 }][bitrate_index]
    };
    let len = match layer {
        3 => (12 * kbps * 1000 / sr + padding) * 4,
        2 => 144 * kbps * 1000 / sr + padding,
        _ => (if v1 { 144 } else { 72 }) * kbps * 1000 / sr + padding,
    } as usize;
    match h.get(off + len..off + len + 2) {
        Some(next) if !(next[0] == 0xFF && next[1] & 0xE0 == 0xE0) => None,
        _ => aud(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(h: &[u8]) -> Option<(MediaKind, &'static str)> {
        sniff(h).map(|s| (s.kind, s.format))
    }

    use MediaKind::{Audio, Image, Video};

    #[test]
    fn images() {
        assert_eq!(k(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some((Image, "jpeg")));
        assert_eq!(k(b"\x89PNG\r\n\x1a\n\0\0"), Some((Image, "png")));
        assert_eq!(k(b"GIF89a\x01\0"), Some((Image, "gif")));
        assert_eq!(k(b"RIFF\x10\0\0\0WEBPVP8 "), Some((Image, "webp")));
        assert_eq!(k(b"II*\0\x08\0\0\0"), Some((Image, "tiff")));
        assert_eq!(k(b"MM\0*\0\0\0\x08"), Some((Image, "tiff")));
        let mut bmp = b"BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec();
        assert_eq!(k(&bmp), Some((Image, "bmp")));
        bmp[14] = 99;
        assert_eq!(
            k(&bmp),
            None,
            "BM followed by no DIB header size is not a BMP"
        );
        assert_eq!(
            k(b"\0\0\x01\0\x01\0\x10\x10\0\0\x01\0\x20\0"),
            Some((Image, "ico"))
        );
        assert_eq!(
            k(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            Some((Image, "avif"))
        );
        assert_eq!(
            k(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Some((Image, "heif"))
        );
        assert_eq!(
            k(b"\0\0\0\x18ftypmif1\0\0\0\0mif1avif"),
            Some((Image, "avif"))
        );
        assert_eq!(k(b"P6\n64 48\n255\n"), Some((Image, "pnm")));
        assert_eq!(k(b"qoif\0\0\0\x10"), Some((Image, "qoi")));
    }

    #[test]
    fn audio() {
        assert_eq!(k(b"RIFF\x24\0\0\0WAVEfmt "), Some((Audio, "wav")));
        assert_eq!(k(b"fLaC\0\0\0\x22"), Some((Audio, "flac")));
        assert_eq!(k(b"FORM\0\0\0\x20AIFFCOMM"), Some((Audio, "aiff")));
        assert_eq!(k(b"caff\0\x01\0\0"), Some((Audio, "caf")));
        assert_eq!(k(b"#!AMR\n"), Some((Audio, "amr")));
        assert_eq!(
            k(b"\0\0\0\x20ftypM4A \0\0\0\0M4A mp42isom"),
            Some((Audio, "m4a"))
        );
        // ID3 tag of 16 bytes, then nothing: still MP3.
        assert_eq!(
            k(b"ID3\x04\0\0\0\0\0\x10not really an mp3"),
            Some((Audio, "mp3"))
        );
        // ID3 tag of 0 bytes, then an ADTS frame.
        assert_eq!(
            k(b"ID3\x04\0\0\0\0\0\0\xFF\xF1\x50\x80\x02\x1F\xFC"),
            Some((Audio, "aac"))
        );
        // Two MPEG-1 layer III frames at 128 kb/s, 44.1 kHz: 417 bytes each.
        let mut mp3 = vec![0u8; 417 * 2];
        mp3[..4].copy_from_slice(b"\xFF\xFB\x90\x00");
        mp3[417..421].copy_from_slice(b"\xFF\xFB\x90\x00");
        assert_eq!(k(&mp3), Some((Audio, "mp3")));
        // The same header without a second frame where it should be: not MP3.
        mp3[417] = 0;
        assert_eq!(k(&mp3), None);
        // ADTS: frame length 16 (0x02 << 3 = 16), next header at 16.
        let mut adts = vec![0u8; 40];
        adts[..7].copy_from_slice(b"\xFF\xF1\x50\x80\x02\x1F\xFC");
        adts[16..23].copy_from_slice(b"\xFF\xF1\x50\x80\x02\x1F\xFC");
        assert_eq!(k(&adts), Some((Audio, "aac")));
        assert_eq!(
            k(b"\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C"),
            Some((Video, "asf"))
        );
        assert_eq!(
            sniff_with_hint(
                b"\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C",
                Some("WMA")
            ),
            Some(Sniffed::new(Audio, "asf"))
        );
    }

    fn ogg_page(packet: &[u8]) -> Vec<u8> {
        let mut p = b"OggS\0\x02".to_vec();
        p.extend_from_slice(&[0; 20]);
        p.push(1);
        p.push(packet.len() as u8);
        p.extend_from_slice(packet);
        p
    }

    #[test]
    fn ogg_codecs() {
        assert_eq!(
            k(&ogg_page(b"\x01vorbis\0\0\0\0")),
            Some((Audio, "ogg-vorbis"))
        );
        assert_eq!(k(&ogg_page(b"OpusHead\x01\x02")), Some((Audio, "ogg-opus")));
        assert_eq!(k(&ogg_page(b"\x7FFLAC\x01\0")), Some((Audio, "ogg-flac")));
        assert_eq!(
            k(&ogg_page(b"\x80theora\x03\x02")),
            Some((Video, "ogg-theora"))
        );
        // Vorbis first, Theora second: a video.
        let mut both = ogg_page(b"\x01vorbis\0\0\0\0");
        both.extend(ogg_page(b"\x80theora\x03\x02"));
        assert_eq!(k(&both), Some((Video, "ogg-theora")));
        // Truncated page header: unknown Ogg content, not a panic.
        assert_eq!(k(b"OggS\0\x02\0"), Some((Video, "ogg")));
    }

    #[test]
    fn video() {
        assert_eq!(
            k(b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41"),
            Some((Video, "mp4"))
        );
        assert_eq!(k(b"\0\0\0\x14ftypqt  \0\0\x02\0qt  "), Some((Video, "mov")));
        assert_eq!(k(b"\0\0\0\x14ftyp3gp4\0\0\x02\0isom"), Some((Video, "3gp")));
        assert_eq!(k(b"\0\0\0\x08wide\0\0\0\0mdat"), Some((Video, "mov")));
        assert_eq!(
            k(b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\x82\x84webm"),
            Some((Video, "webm"))
        );
        assert_eq!(
            k(b"\x1A\x45\xDF\xA3\xA3\x42\x86\x81\x01\x42\x82\x88matroska"),
            Some((Video, "matroska"))
        );
        assert_eq!(
            sniff_with_hint(
                b"\x1A\x45\xDF\xA3\xA3\x42\x86\x81\x01\x42\x82\x88matroska",
                Some("mka")
            ),
            Some(Sniffed::new(Audio, "matroska"))
        );
        assert_eq!(k(b"RIFF\0\0\0\0AVI LIST"), Some((Video, "avi")));
        assert_eq!(
            k(b"\0\0\x01\xBA\x44\0\x04\0\x04\x01"),
            Some((Video, "mpeg-ps"))
        );
        assert_eq!(k(b"\0\0\x01\xB3\x02\0"), Some((Video, "mpeg-video")));
        assert_eq!(k(b"FLV\x01\x05\0\0\0\x09"), Some((Video, "flv")));
        assert_eq!(k(b"FLV\x01\x04\0\0\0\x09"), Some((Audio, "flv")));
        assert_eq!(k(b"YUV4MPEG2 W64 H48"), Some((Video, "y4m")));
        let mut ts = vec![0u8; 188 * 3];
        for i in 0..3 {
            ts[i * 188] = 0x47;
        }
        assert_eq!(k(&ts), Some((Video, "mpeg-ts")));
        ts[376] = 0;
        assert_eq!(k(&ts), None, "a broken sync byte is not a transport stream");
        let mut m2ts = vec![0u8; 192 * 3];
        for i in 0..3 {
            m2ts[4 + i * 192] = 0x47;
        }
        assert_eq!(k(&m2ts), Some((Video, "m2ts")));
        // A PNG named .mp4 stays a PNG.
        assert_eq!(
            sniff_with_hint(b"\x89PNG\r\n\x1a\n", Some("mp4"))
                .unwrap()
                .kind,
            Image
        );
    }

    #[test]
    fn not_media_and_truncated_prefixes() {
        assert_eq!(k(b""), None);
        assert_eq!(k(b"hello world, plain text named .mp3\n"), None);
        assert_eq!(k(b"{\"json\": true}"), None);
        assert_eq!(k(b"\x47"), None, "one sync byte is not a transport stream");
        // Every prefix of every signature above is handled without a panic.
        let samples: [&[u8]; 6] = [
            b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41",
            b"ID3\x04\0\0\0\0\0\0\xFF\xF1\x50\x80\x02\x1F\xFC",
            b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\x82\x84webm",
            b"BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0",
            b"\0\0\x01\0\x01\0\x10\x10\0\0\x01\0\x20\0",
            b"OggS\0\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x05\x1e",
        ];
        for s in samples {
            for n in 0..=s.len() {
                let _ = sniff(&s[..n]);
            }
        }
    }

    #[test]
    fn extensions() {
        assert_eq!(kind_of_extension("MPG"), Some(Video));
        assert_eq!(kind_of_extension("m2ts"), Some(Video));
        assert_eq!(kind_of_extension("opus"), Some(Audio));
        assert_eq!(kind_of_extension("webp"), Some(Image));
        assert_eq!(kind_of_extension("txt"), None);
    }
}

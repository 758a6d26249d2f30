//! EXIF summary (camera, time, GPS, orientation) read with kamadak-exif, and EXIF rewriting for
//! output files (GPS stripped, orientation reset after the pixels were rotated).

use std::io::Cursor;

use exif::{Field, In, Tag, Value};
use serde::{Deserialize, Serialize};

/// GPS position in decimal degrees (south and west negative) and metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gps {
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
    /// Altitude in metres above sea level, when present.
    pub altitude: Option<f64>,
}

/// The EXIF fields users ask for most.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExifInfo {
    /// Camera maker (`Make`).
    pub make: Option<String>,
    /// Camera model (`Model`).
    pub model: Option<String>,
    /// Capture time as written (`DateTimeOriginal`, else `DateTime`), `YYYY:MM:DD HH:MM:SS`.
    pub datetime: Option<String>,
    /// GPS position (None when absent or stripped).
    pub gps: Option<Gps>,
    /// Orientation tag value (1–8).
    pub orientation: Option<u8>,
}

fn ascii(f: Option<&Field>) -> Option<String> {
    match &f?.value {
        Value::Ascii(v) => {
            let s = String::from_utf8_lossy(v.first()?)
                .trim_end_matches('\0')
                .trim()
                .to_string();
            (!s.is_empty()).then_some(s)
        }
        _ => None,
    }
}

fn degrees(f: Option<&Field>) -> Option<f64> {
    match &f?.value {
        Value::Rational(r) if r.len() == 3 && r.iter().all(|x| x.denom != 0) => {
            Some(r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0)
        }
        _ => None,
    }
}

/// Parses raw EXIF (the TIFF structure inside a JPEG APP1 `Exif\0\0` segment, a PNG `eXIf` chunk
/// or a WebP `EXIF` chunk). None when it does not parse.
pub fn parse_exif(raw: &[u8]) -> Option<ExifInfo> {
    let raw = raw.strip_prefix(b"Exif\0\0").unwrap_or(raw);
    let exif = exif::Reader::new()
        .continue_on_error(true)
        .read_raw(raw.to_vec())
        .or_else(|e| e.distill_partial_result(|_| {}))
        .ok()?;
    let get = |t| exif.get_field(t, In::PRIMARY);
    let gps = match (
        degrees(get(Tag::GPSLatitude)),
        degrees(get(Tag::GPSLongitude)),
    ) {
        (Some(lat), Some(lon)) => {
            let sign = |t, neg: &str| match ascii(get(t)) {
                Some(s) if s.eq_ignore_ascii_case(neg) => -1.0,
                _ => 1.0,
            };
            let altitude = match get(Tag::GPSAltitude).map(|f| &f.value) {
                Some(Value::Rational(r)) if r.first().is_some_and(|x| x.denom != 0) => {
                    let below =
                        get(Tag::GPSAltitudeRef).and_then(|f| f.value.get_uint(0)) == Some(1);
                    Some(if below { -r[0].to_f64() } else { r[0].to_f64() })
                }
                _ => None,
            };
            Some(Gps {
                latitude: lat * sign(Tag::GPSLatitudeRef, "S"),
                longitude: lon * sign(Tag::GPSLongitudeRef, "W"),
                altitude,
            })
        }
        _ => None,
    };
    Some(ExifInfo {
        make: ascii(get(Tag::Make)),
        model: ascii(get(Tag::Model)),
        datetime: ascii(get(Tag::DateTimeOriginal)).or_else(|| ascii(get(Tag::DateTime))),
        gps,
        orientation: get(Tag::Orientation)
            .and_then(|f| f.value.get_uint(0))
            .and_then(|v| u8::try_from(v).ok()),
    })
}

impl ExifInfo {
    /// Encodes these fields as raw EXIF (a big-endian TIFF structure, as image encoders' EXIF
    /// metadata expects): `Make`, `Model`, `DateTimeOriginal`, `Orientation` and the GPS tags.
    /// None if nothing is set or the writer fails.
    pub fn to_exif_bytes(&self) -> Option<Vec<u8>> {
        let f = |tag, value| Field {
            tag,
            ifd_num: In::PRIMARY,
            value,
        };
        let text = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
        let dms = |deg: f64| {
            let d = deg.abs();
            let whole = d.floor();
            let min = ((d - whole) * 60.0).floor();
            let sec = ((d - whole) * 60.0 - min) * 60.0;
            Value::Rational(vec![
                exif::Rational::from((whole as u32, 1)),
                exif::Rational::from((min as u32, 1)),
                exif::Rational::from(((sec * 10_000.0).round() as u32, 10_000)),
            ])
        };
        let mut fields = Vec::new();
        if let Some(m) = &self.make {
            fields.push(f(Tag::Make, text(m)));
        }
        if let Some(m) = &self.model {
            fields.push(f(Tag::Model, text(m)));
        }
        if let Some(d) = &self.datetime {
            fields.push(f(Tag::DateTimeOriginal, text(d)));
        }
        if let Some(o) = self.orientation {
            fields.push(f(Tag::Orientation, Value::Short(vec![u16::from(o)])));
        }
        if let Some(g) = &self.gps {
            let ns = if g.latitude < 0.0 { "S" } else { "N" };
            let ew = if g.longitude < 0.0 { "W" } else { "E" };
            fields.push(f(Tag::GPSLatitudeRef, text(ns)));
            fields.push(f(Tag::GPSLatitude, dms(g.latitude)));
            fields.push(f(Tag::GPSLongitudeRef, text(ew)));
            fields.push(f(Tag::GPSLongitude, dms(g.longitude)));
            if let Some(a) = g.altitude {
                fields.push(f(Tag::GPSAltitudeRef, Value::Byte(vec![u8::from(a < 0.0)])));
                fields.push(f(
                    Tag::GPSAltitude,
                    Value::Rational(vec![exif::Rational::from((
                        (a.abs() * 100.0).round() as u32,
                        100,
                    ))]),
                ));
            }
        }
        if fields.is_empty() {
            return None;
        }
        let mut w = exif::experimental::Writer::new();
        for x in &fields {
            w.push_field(x);
        }
        let mut out = Cursor::new(Vec::new());
        w.write(&mut out, false).ok()?;
        Some(out.into_inner())
    }
}

/// Re-encodes raw EXIF keeping the primary image's fields, without GPS when `strip_gps`, with
/// orientation 1 when `reset_orientation` (for pixels already rotated), and without the maker note
/// and thumbnail (their offsets do not survive rewriting). None when the input does not parse or
/// nothing is left.
pub fn rewrite_exif(raw: &[u8], strip_gps: bool, reset_orientation: bool) -> Option<Vec<u8>> {
    let raw = raw.strip_prefix(b"Exif\0\0").unwrap_or(raw);
    let exif = exif::Reader::new().read_raw(raw.to_vec()).ok()?;
    let upright = Field {
        tag: Tag::Orientation,
        ifd_num: In::PRIMARY,
        value: Value::Short(vec![1]),
    };
    let mut w = exif::experimental::Writer::new();
    let mut n = 0;
    for f in exif.fields() {
        if f.ifd_num != In::PRIMARY || f.tag == Tag::MakerNote {
            continue;
        }
        if strip_gps && f.tag.context() == exif::Context::Gps {
            continue;
        }
        if reset_orientation && f.tag == Tag::Orientation {
            w.push_field(&upright);
        } else {
            w.push_field(f);
        }
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let mut out = Cursor::new(Vec::new());
    w.write(&mut out, exif.little_endian()).ok()?;
    Some(out.into_inner())
}

//! Microsoft ADPCM (WAV format tag 2) blocks, decoded as Windows' `msadp32.acm` and libsndfile
//! decode them.
//!
//! symphonia 0.6.1 and FFmpeg compute the prediction `(s1·c1 + s2·c2) / 256` with a division that
//! truncates toward zero; Microsoft's reference decoder and libsndfile shift right by 8, which
//! rounds toward −∞. The two differ by one step whenever the weighted sum is negative and not a
//! multiple of 256, and the difference feeds back through the predictor. Encoders that only use
//! predictor 0 (FFmpeg's) never hit it; files from libsndfile's or Windows' encoder, which use all
//! seven predictors, decode several percent (relative RMS) away. So this crate decodes MS-ADPCM
//! itself, on symphonia's WAV demuxer, and matches libsndfile sample for sample.

use crate::error::{Error, Result};

/// Scales the step size after each nibble (8.8 fixed point).
const ADAPTATION: [i32; 16] = [
    230, 230, 230, 230, 307, 409, 512, 614, 768, 614, 512, 409, 307, 230, 230, 230,
];
/// The seven standard predictor coefficient pairs (8.8 fixed point).
const COEFFS: [(i32, i32); 7] = [
    (256, 0),
    (512, -256),
    (0, 0),
    (192, 64),
    (240, 0),
    (460, -208),
    (392, -232),
];
/// Smallest step size.
const MIN_DELTA: i32 = 16;
/// Largest step size: keeps `768 · delta` and `8 · delta` inside `i32` on hostile input.
const MAX_DELTA: i32 = i32::MAX / 768;

/// A decoder for the blocks of one MS-ADPCM stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MsAdpcm {
    channels: usize,
    frames_per_block: usize,
}

/// One channel's predictor state.
#[derive(Debug, Clone, Copy)]
struct State {
    c1: i32,
    c2: i32,
    delta: i32,
    s1: i32,
    s2: i32,
}

impl State {
    fn step(&mut self, nibble: u8) -> i16 {
        let signed = i32::from(nibble) - if nibble & 8 != 0 { 16 } else { 0 };
        // An arithmetic shift, not a division: rounds toward −∞ like the reference decoder.
        let predicted = ((self.s1 * self.c1 + self.s2 * self.c2) >> 8) + signed * self.delta;
        let sample = predicted.clamp(i32::from(i16::MIN), i32::from(i16::MAX));
        self.s2 = self.s1;
        self.s1 = sample;
        self.delta =
            ((ADAPTATION[usize::from(nibble)] * self.delta) >> 8).clamp(MIN_DELTA, MAX_DELTA);
        sample as i16
    }
}

fn le16(b: &[u8], at: usize) -> i32 {
    i32::from(i16::from_le_bytes([b[at], b[at + 1]]))
}

impl MsAdpcm {
    /// A decoder for `channels` (1 or 2) and the header's frames per block.
    pub(crate) fn new(channels: usize, frames_per_block: usize) -> Result<Self> {
        if !(1..=2).contains(&channels) {
            return Err(Error::Unsupported(format!(
                "adpcm_ms with {channels} channels (1 or 2 are defined)"
            )));
        }
        if frames_per_block < 2 {
            return Err(Error::Corrupt {
                message: format!("adpcm_ms: {frames_per_block} frames per block"),
                offset: None,
            });
        }
        Ok(MsAdpcm {
            channels,
            frames_per_block,
        })
    }

    /// Frames (samples per channel) in one block.
    pub(crate) fn frames_per_block(&self) -> usize {
        self.frames_per_block
    }

    /// Bytes in one block: a 7-byte header per channel, then a nibble per sample after the
    /// first two.
    pub(crate) fn block_bytes(&self) -> usize {
        7 * self.channels + ((self.frames_per_block - 2) * self.channels).div_ceil(2)
    }

    /// Decodes `blocks` whole blocks from `data` into `out` (one plane per channel, cleared first),
    /// as `i16 / 32768`.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when `data` is shorter than the blocks or a block names a predictor
    /// that does not exist; `out` then holds nothing.
    pub(crate) fn decode(&self, data: &[u8], blocks: usize, out: &mut Vec<Vec<f32>>) -> Result<()> {
        let ch = self.channels;
        out.resize_with(ch, Vec::new);
        out.iter_mut().for_each(Vec::clear);
        let size = self.block_bytes();
        if data.len() < blocks.saturating_mul(size) {
            return Err(Error::Corrupt {
                message: format!(
                    "adpcm_ms packet of {} bytes holds fewer than {blocks} blocks of {size}",
                    data.len()
                ),
                offset: None,
            });
        }
        let scale = |s: i32| s as f32 / 32768.0;
        for block in data.chunks_exact(size).take(blocks) {
            let mut st = [State {
                c1: 0,
                c2: 0,
                delta: 0,
                s1: 0,
                s2: 0,
            }; 2];
            // Header: predictor index per channel, then delta, sample 1 and sample 2, each as
            // one little-endian i16 per channel.
            for (c, s) in st.iter_mut().enumerate().take(ch) {
                let Some(&(c1, c2)) = COEFFS.get(usize::from(block[c])) else {
                    out.iter_mut().for_each(Vec::clear);
                    return Err(Error::Corrupt {
                        message: format!("adpcm_ms predictor index {} out of range", block[c]),
                        offset: None,
                    });
                };
                *s = State {
                    c1,
                    c2,
                    delta: le16(block, ch + 2 * c),
                    s1: le16(block, 3 * ch + 2 * c),
                    s2: le16(block, 5 * ch + 2 * c),
                };
            }
            // The header's two samples come first, the older one first.
            for (c, s) in st.iter().enumerate().take(ch) {
                out[c].push(scale(s.s2));
                out[c].push(scale(s.s1));
            }
            // Nibbles, high one first, alternate between channels in stereo.
            let nibbles = block[7 * ch..]
                .iter()
                .flat_map(|b| [b >> 4, b & 0x0f])
                .take((self.frames_per_block - 2) * ch);
            for (i, n) in nibbles.enumerate() {
                let c = i % ch;
                out[c].push(scale(i32::from(st[c].step(n))));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prediction_rounds_toward_negative_infinity() {
        // Predictor 3: −1·192 + 1·64 = −128, which is −1 shifted right by 8 but 0 divided by
        // 256; nibble 0 adds nothing.
        let mut s = State {
            c1: 192,
            c2: 64,
            delta: 16,
            s1: -1,
            s2: 1,
        };
        assert_eq!(s.step(0), -1);
    }

    #[test]
    fn short_and_bad_blocks_are_errors() {
        let d = MsAdpcm::new(1, 4).unwrap();
        assert_eq!(d.block_bytes(), 8);
        let mut out = Vec::new();
        assert!(d.decode(&[0; 7], 1, &mut out).is_err());
        let mut block = [0u8; 8];
        block[0] = 7;
        assert!(d.decode(&block, 1, &mut out).is_err());
        block[0] = 0;
        block[1] = 16; // delta 16
        d.decode(&block, 1, &mut out).unwrap();
        assert_eq!(out, vec![vec![0.0; 4]]);
        assert!(MsAdpcm::new(3, 4).is_err() && MsAdpcm::new(1, 1).is_err());
    }
}

//! Minimal WAV writing (RIFF PCM 16-bit and IEEE float 32-bit), for fixtures and outputs.

use crate::error::{Error, Result};

fn header(channels: usize, frames: usize, rate: u32, bits: u16, format: u16) -> Result<Vec<u8>> {
    if channels == 0 || channels > u16::MAX as usize || rate == 0 {
        return Err(Error::InvalidParam(format!(
            "wav: channels {channels}, rate {rate}"
        )));
    }
    let block = channels * usize::from(bits / 8);
    let data_len = u32::try_from(frames * block)
        .map_err(|_| Error::InvalidParam("wav: data larger than 4 GiB".into()))?;
    let mut h = Vec::with_capacity(44 + data_len as usize);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&format.to_le_bytes());
    h.extend_from_slice(&(channels as u16).to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * block as u32).to_le_bytes());
    h.extend_from_slice(&(block as u16).to_le_bytes());
    h.extend_from_slice(&bits.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    Ok(h)
}

fn check(channels: &[Vec<f32>]) -> Result<usize> {
    let frames = channels.first().map_or(0, Vec::len);
    if channels.iter().any(|c| c.len() != frames) {
        return Err(Error::InvalidParam("wav: channels differ in length".into()));
    }
    Ok(frames)
}

/// Encodes planar samples as 16-bit PCM WAV (values clipped to −1..1, NaN written as 0).
///
/// # Errors
/// [`Error::InvalidParam`] for no channels, a zero rate or ragged channels.
pub fn encode_pcm16(channels: &[Vec<f32>], sample_rate: u32) -> Result<Vec<u8>> {
    let frames = check(channels)?;
    let mut out = header(channels.len(), frames, sample_rate, 16, 1)?;
    for i in 0..frames {
        for c in channels {
            let v = c[i];
            let v = if v.is_nan() { 0.0 } else { v.clamp(-1.0, 1.0) };
            out.extend_from_slice(&((v * 32767.0).round() as i16).to_le_bytes());
        }
    }
    Ok(out)
}

/// Encodes planar samples as 32-bit IEEE float WAV (values written as they are).
///
/// # Errors
/// [`Error::InvalidParam`] for no channels, a zero rate or ragged channels.
pub fn encode_f32(channels: &[Vec<f32>], sample_rate: u32) -> Result<Vec<u8>> {
    let frames = check(channels)?;
    let mut out = header(channels.len(), frames, sample_rate, 32, 3)?;
    for i in 0..frames {
        for c in channels {
            out.extend_from_slice(&c[i].to_le_bytes());
        }
    }
    Ok(out)
}

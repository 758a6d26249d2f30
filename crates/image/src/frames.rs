//! Frame (page) counting from the container structure, without decoding pixels, so that the frame
//! limit is enforced before any frame is allocated.

/// Number of frames declared by a GIF, WebP or TIFF file; 1 for other formats. Counting stops one
/// past `stop_after` (enough to report a limit) and at the first structural inconsistency (the
/// decoder reports the corruption).
pub(crate) fn count_frames(bytes: &[u8], stop_after: u32) -> u32 {
    let stop = stop_after.saturating_add(1);
    if bytes.starts_with(b"GIF8") {
        gif_frames(bytes, stop)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        webp_frames(bytes, stop)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        tiff_frames(bytes, stop)
    } else {
        1
    }
}

fn skip_sub_blocks(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let len = *b.get(i)? as usize;
        i += 1;
        if len == 0 {
            return Some(i);
        }
        i += len;
    }
}

fn gif_frames(b: &[u8], stop: u32) -> u32 {
    let Some(&packed) = b.get(10) else { return 1 };
    let mut i = 13;
    if packed & 0x80 != 0 {
        i += 3 << ((packed & 7) + 1);
    }
    let mut n = 0u32;
    while n < stop {
        match b.get(i) {
            Some(0x21) => match skip_sub_blocks(b, i + 2) {
                Some(j) => i = j,
                None => break,
            },
            Some(0x2C) => {
                n += 1;
                let Some(&p) = b.get(i + 9) else { break };
                i += 10;
                if p & 0x80 != 0 {
                    i += 3 << ((p & 7) + 1);
                }
                match skip_sub_blocks(b, i + 1) {
                    Some(j) => i = j,
                    None => break,
                }
            }
            _ => break,
        }
    }
    n.max(1)
}

fn webp_frames(b: &[u8], stop: u32) -> u32 {
    let mut i = 12usize;
    let mut n = 0u32;
    while i + 8 <= b.len() && n < stop {
        let len = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        if &b[i..i + 4] == b"ANMF" {
            n += 1;
        }
        i = i
            .saturating_add(8)
            .saturating_add(len)
            .saturating_add(len & 1);
    }
    n.max(1)
}

fn tiff_frames(b: &[u8], stop: u32) -> u32 {
    let le = b[0] == b'I';
    let u16_at = |i: usize| -> Option<usize> {
        let s = b.get(i..i + 2)?;
        Some(if le {
            u16::from_le_bytes([s[0], s[1]])
        } else {
            u16::from_be_bytes([s[0], s[1]])
        } as usize)
    };
    let u32_at = |i: usize| -> Option<usize> {
        let s: [u8; 4] = b.get(i..i + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        } as usize)
    };
    let mut n = 0u32;
    let mut off = u32_at(4).unwrap_or(0);
    let mut last = 0usize;
    // IFDs must move forward, which also rules out loops.
    while off > last && n < stop {
        let Some(count) = u16_at(off) else { break };
        n += 1;
        last = off;
        off = u32_at(off + 2 + 12 * count).unwrap_or(0);
    }
    n.max(1)
}

//! QR codes of invite links, drawn by the server as SVG (the `qrcode` crate's renderer) and as PNG.
//!
//! The PNG is written here rather than through an image library: a QR code is a 1-bit picture, so
//! the file is an 8-byte signature, an `IHDR`, one `IDAT` holding the rows in zlib "stored" blocks
//! (no compression: a 300-odd pixel code is ~15 KB) and an `IEND`, with CRC-32 and Adler-32 sums.
//! That keeps an image crate and its compile time out of the build.

use pc_app::{AppError, AppResult};
use qrcode::render::svg;
use qrcode::{Color, QrCode};

/// Modules of white border around the code (the standard's quiet zone).
const QUIET: usize = 4;

fn encode(text: &str) -> AppResult<QrCode> {
    QrCode::new(text.as_bytes()).map_err(|e| {
        AppError::invalid_tr(
            format!("cannot draw a QR code: {e}"),
            format!("无法生成二维码：{e}"),
        )
    })
}

/// The code as an SVG document, at least `min_px` pixels wide.
pub fn svg(text: &str, min_px: u32) -> AppResult<String> {
    Ok(encode(text)?
        .render::<svg::Color>()
        .min_dimensions(min_px, min_px)
        .quiet_zone(true)
        .build())
}

/// The code as a PNG, `scale` pixels per module.
pub fn png(text: &str, scale: usize) -> AppResult<Vec<u8>> {
    let code = encode(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let scale = scale.max(1);
    let side = (modules + 2 * QUIET) * scale;
    let dark = |px: usize, py: usize| -> bool {
        let (mx, my) = (px / scale, py / scale);
        if mx < QUIET || my < QUIET || mx >= QUIET + modules || my >= QUIET + modules {
            return false;
        }
        colors[(my - QUIET) * modules + (mx - QUIET)] == Color::Dark
    };
    Ok(png_1bit(side, side, dark))
}

/// A 1-bit grayscale PNG (bit set = white) of `w`×`h` pixels; `dark(x, y)` paints black.
pub fn png_1bit(w: usize, h: usize, dark: impl Fn(usize, usize) -> bool) -> Vec<u8> {
    let row_bytes = w.div_ceil(8);
    let mut raw = Vec::with_capacity((row_bytes + 1) * h);
    for y in 0..h {
        raw.push(0); // filter: none
        for bx in 0..row_bytes {
            let mut byte = 0u8;
            for bit in 0..8 {
                let x = bx * 8 + bit;
                if x >= w || !dark(x, y) {
                    byte |= 0x80 >> bit;
                }
            }
            raw.push(byte);
        }
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(w as u32).to_be_bytes());
    ihdr.extend_from_slice(&(h as u32).to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // bit depth 1, grayscale, deflate, filter 0, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut z = vec![0x78, 0x01];
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        z.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        z.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(data).to_be_bytes());
    z
}

fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[n] = c;
            n += 1;
        }
        t
    };
    !data.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8)
    })
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(&vec![0xffu8; 100_000]), {
            // Reference computed without the 5552-byte batching.
            let (mut a, mut b) = (1u64, 0u64);
            for _ in 0..100_000 {
                a = (a + 255) % 65_521;
                b = (b + a) % 65_521;
            }
            ((b << 16) | a) as u32
        });
    }

    #[test]
    fn png_structure() {
        let p = png(
            "https://example.test/join/0123456789abcdef0123456789abcdef",
            4,
        )
        .unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&p[12..16], b"IHDR");
        let w = u32::from_be_bytes(p[16..20].try_into().unwrap()) as usize;
        let h = u32::from_be_bytes(p[20..24].try_into().unwrap()) as usize;
        assert_eq!(w, h);
        assert_eq!(w % 4, 0);
        assert!(w >= (21 + 8) * 4);
        assert_eq!(&p[p.len() - 8..p.len() - 4], b"IEND");
        // Every chunk's CRC is right.
        let mut i = 8;
        while i < p.len() {
            let len = u32::from_be_bytes(p[i..i + 4].try_into().unwrap()) as usize;
            let crc = u32::from_be_bytes(p[i + 8 + len..i + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&p[i + 4..i + 8 + len]));
            i += 12 + len;
        }
        assert_eq!(i, p.len());
    }

    #[test]
    fn stored_blocks_split_at_64k() {
        let data = vec![7u8; 70_000];
        let z = zlib_stored(&data);
        // header, two blocks (5 bytes of framing each), adler.
        assert_eq!(z.len(), 2 + 5 + 65_535 + 5 + (70_000 - 65_535) + 4);
        assert_eq!(z[2], 0, "first block is not final");
        assert_eq!(z[2 + 5 + 65_535], 1, "last block is final");
        assert_eq!(zlib_stored(&[]).len(), 2 + 5 + 4);
    }

    #[test]
    fn svg_is_a_document() {
        let s = svg("hello", 200).unwrap();
        assert!(s.contains("<svg") && s.ends_with("</svg>"));
    }
}

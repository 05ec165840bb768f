//! Makes the variants of one photo and reports the time each step took: the benchmark's
//! Masthead side (bench/photos.sh).
//!
//! ```text
//! cargo run --release -p masthead-media --example variants -- FILE [--formats webp,jpeg,avif] [--out DIR]
//! cargo run --release -p masthead-media --example variants -- --generate OUT.jpg WIDTH HEIGHT
//! ```

use std::time::Instant;

use masthead_media::{Format, Limits, WIDTHS, make_variants, probe};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        let [_, out, width, height] = &args[..] else {
            return Err("usage: --generate OUT.jpg WIDTH HEIGHT".into());
        };
        return generate(out, width.parse()?, height.parse()?);
    }
    let Some(file) = args.first() else {
        return Err("usage: variants FILE [--formats webp,jpeg,avif] [--out DIR]".into());
    };
    let mut formats = vec![Format::Webp, Format::Jpeg];
    let mut out_dir = None;
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        match (flag.as_str(), rest.next()) {
            ("--formats", Some(list)) => {
                formats = list
                    .split(',')
                    .map(|f| match f {
                        "webp" => Ok(Format::Webp),
                        "jpeg" | "jpg" => Ok(Format::Jpeg),
                        "avif" => Ok(Format::Avif),
                        other => Err(format!("unknown format {other}")),
                    })
                    .collect::<Result<_, _>>()?;
            }
            ("--out", Some(dir)) => out_dir = Some(dir.clone()),
            _ => return Err(format!("unknown argument {flag}").into()),
        }
    }
    let bytes = std::fs::read(file)?;
    let started = Instant::now();
    let probed = probe(&bytes, &Limits::default())?;
    let probe_time = started.elapsed();
    let started = Instant::now();
    let variants = make_variants(&bytes, &Limits::default(), None, WIDTHS, &formats)?;
    let total = started.elapsed();
    println!(
        "{file}: {} {}x{} (orientation {}), {} bytes; probe {:.1} ms",
        probed.format,
        probed.width,
        probed.height,
        probed.orientation,
        bytes.len(),
        probe_time.as_secs_f64() * 1000.0
    );
    for variant in &variants {
        println!(
            "  {:>5}x{:<5} {:<4} {:>9} bytes",
            variant.width,
            variant.height,
            variant.format,
            variant.bytes.len()
        );
        if let Some(dir) = &out_dir {
            let name = format!("{dir}/{}.{}", variant.width, variant.format.extension());
            std::fs::write(name, &variant.bytes)?;
        }
    }
    println!(
        "variants: {} in {:.3} s",
        variants.len(),
        total.as_secs_f64()
    );
    Ok(())
}

/// A photo-like JPEG: smooth gradients and shapes with sensor-like noise, so that neither the
/// decoder nor the encoders meet an unrealistically easy picture.
fn generate(out: &str, width: u16, height: u16) -> Result<(), Box<dyn std::error::Error>> {
    let (w, h) = (usize::from(width), usize::from(height));
    let mut pixels = Vec::with_capacity(w * h * 3);
    let mut seed = 0x2545_F491u32;
    for y in 0..h {
        for x in 0..w {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed % 21) as f32 - 10.0;
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let ring = ((fx - 0.6).hypot(fy - 0.4) * 40.0).sin() * 40.0;
            let stripes = if (x / 97 + y / 61) % 7 == 0 {
                60.0
            } else {
                0.0
            };
            let r = 120.0 + 100.0 * fx + ring + noise;
            let g = 60.0 + 150.0 * fy - ring * 0.5 + stripes + noise;
            let b = 200.0 - 120.0 * fx * fy + stripes * 0.5 + noise;
            pixels.extend([r, g, b].map(|c| c.clamp(0.0, 255.0) as u8));
        }
    }
    let encoder = jpeg_encoder::Encoder::new_file(out, 90)?;
    encoder.encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)?;
    Ok(())
}

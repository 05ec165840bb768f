//! The demo newspaper, *The Meridian Courier* of the fictional Port Aldine: forty articles
//! written for this project (`crates/import/demo/`), shipped in the binary and loaded through
//! the ordinary importer. Photos are drawn at load time (skies, sun and hills in colours picked
//! from each file's name), so the repository carries no images. Dates move so that the newest
//! story is from the last day.

use std::path::Path;

use image::{Rgb, RgbImage};
use include_dir::{Dir, include_dir};
use masthead_core::{EmailAddress, Role};
use masthead_store::{Store, content::ListFilter};

use crate::{ImportError, ImportOptions, ImportReport, Importer, front_matter};

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/demo");

/// The newsroom admin the demo creates.
pub const DEMO_ADMIN_EMAIL: &str = "editor@meridian-courier.example";

/// Loads the demo into an empty database. Returns `None` (and changes nothing) when the
/// database already has articles.
pub async fn load_demo(
    store: &Store,
    data_dir: &Path,
) -> Result<Option<ImportReport>, ImportError> {
    if store.count_articles(ListFilter::All).await? > 0 || !store.sections().await?.is_empty() {
        return Ok(None);
    }
    let staging = data_dir.join(format!(".demo-staging-{}", std::process::id()));
    let result = load_from(store, data_dir, &staging).await;
    let _ = std::fs::remove_dir_all(&staging);
    let report = result?;
    let admin = EmailAddress::parse(DEMO_ADMIN_EMAIL).map_err(|e| ImportError::Input(e.0))?;
    store.add_staff(&admin, Role::Admin).await?;
    Ok(Some(report))
}

async fn load_from(
    store: &Store,
    data_dir: &Path,
    staging: &Path,
) -> Result<ImportReport, ImportError> {
    let io = |e: std::io::Error| {
        ImportError::Input(format!(
            "cannot write demo files to {}: {e}",
            staging.display()
        ))
    };
    std::fs::create_dir_all(staging).map_err(io)?;
    DEMO.extract(staging).map_err(io)?;
    let mut newest: Option<jiff::Timestamp> = None;
    let plan = crate::plan(&[staging.to_path_buf()])?;
    for file in &plan.files {
        let text = std::fs::read_to_string(file).map_err(io)?;
        let (fm, _, _) = front_matter::parse(&text)
            .map_err(|(_, m)| ImportError::Input(format!("demo file {}: {m}", file.display())))?;
        if let Ok(Some(t)) = fm.published_at() {
            newest = Some(newest.map_or(t, |n| n.max(t)));
        }
        let photos = fm.lead_photo.iter().chain(fm.photos.iter());
        for p in photos {
            let path = file.parent().unwrap_or(staging).join(&p.file);
            if !path.exists() {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                draw_photo(&p.file)
                    .save(&path)
                    .map_err(|e| ImportError::Input(format!("cannot draw {}: {e}", p.file)))?;
            }
        }
    }
    let mut options = ImportOptions::new(data_dir.join("media"));
    if let Some(newest) = newest {
        let days = (jiff::Timestamp::now().as_second() - newest.as_second()).div_euclid(86_400);
        options.shift = jiff::SignedDuration::from_secs(days * 86_400);
    }
    Importer::new(store, options).run(&plan, |_, _| {}).await
}

/// A small landscape, its colours and shapes chosen by the file name.
fn draw_photo(name: &str) -> RgbImage {
    const W: u32 = 960;
    const H: u32 = 640;
    let seed = xxhash_rust::xxh3::xxh3_64(name.as_bytes());
    let pick = |shift: u32, n: u64| ((seed >> shift) % n) as usize;
    const PALETTES: [([u8; 3], [u8; 3], [u8; 3]); 6] = [
        ([24, 40, 82], [236, 142, 84], [32, 38, 54]),    // dusk
        ([90, 150, 210], [214, 232, 244], [46, 90, 64]), // clear day
        ([60, 66, 80], [160, 168, 178], [40, 44, 50]),   // storm
        ([12, 16, 38], [56, 70, 120], [10, 12, 22]),     // night
        ([246, 196, 120], [252, 236, 200], [120, 84, 60]), // morning
        ([70, 120, 140], [190, 220, 214], [30, 70, 80]), // sea
    ];
    let (top, bottom, land) = PALETTES[pick(0, PALETTES.len() as u64)];
    let mix = |a: [u8; 3], b: [u8; 3], t: f32| {
        Rgb([0, 1, 2].map(|i| (a[i] as f32 + (b[i] as f32 - a[i] as f32) * t).round() as u8))
    };
    let horizon = H as f32 * (0.45 + pick(8, 20) as f32 / 100.0);
    let sun = (
        W as f32 * (0.15 + pick(16, 70) as f32 / 100.0),
        horizon - 60.0 - pick(24, 120) as f32,
        28.0 + pick(32, 30) as f32,
    );
    let phase = pick(40, 628) as f32 / 100.0;
    let water = pick(48, 2) == 0;
    RgbImage::from_fn(W, H, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let ridge = |amp: f32, freq: f32, off: f32| {
            horizon
                + off
                + amp * (xf * freq + phase).sin()
                + amp * 0.5 * (xf * freq * 2.7 + phase * 1.3).cos()
        };
        if yf > ridge(18.0, 0.004, 70.0) {
            return mix(land, [0, 0, 0], 0.35);
        }
        if yf > ridge(30.0, 0.007, 10.0) {
            return if water && yf > horizon + 40.0 {
                let ripple = ((yf * 0.9).sin() * 0.08 + 0.5).clamp(0.0, 1.0);
                mix(top, bottom, ripple)
            } else {
                land.into()
            };
        }
        let d = ((xf - sun.0).powi(2) + (yf - sun.1).powi(2)).sqrt();
        if d < sun.2 {
            return mix(bottom, [255, 250, 235], 0.8);
        }
        let glow = (1.0 - (d / 260.0)).max(0.0) * 0.25;
        let sky = mix(top, bottom, (yf / horizon).clamp(0.0, 1.0));
        mix([sky.0[0], sky.0[1], sky.0[2]], [255, 240, 210], glow)
    })
}

//! `masthead import --from ghost|wordpress FILE`: the command around `masthead_import`'s
//! platform importers (a progress bar, the report lines, the summary, the exit status).

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use masthead_import::{PagesPolicy, Platform, PlatformOptions};

use crate::config::Settings;

#[derive(Debug, clap::Args)]
pub struct PlatformArgs {
    /// Import an export of another platform: ghost (Settings → Labs → Export, a .json file) or
    /// wordpress (Tools → Export → All content, a .xml file).
    #[arg(long, value_parser = ["ghost", "wordpress"])]
    pub from: Option<String>,
    /// With --from: the folder of the export's images, as the old site had it (Ghost's
    /// content/images, WordPress's wp-content/uploads). Images not found there are reported
    /// and left out; nothing is ever downloaded.
    #[arg(long, requires = "from")]
    pub media: Option<PathBuf>,
    /// With --from: read and convert everything and report what would happen; write nothing.
    #[arg(long, requires = "from")]
    pub dry_run: bool,
    /// With --from: what becomes of pages: skip, or section:SLUG to import them as articles of
    /// that section.
    #[arg(long, alias = "ghost-pages", default_value = "skip", requires = "from")]
    pub pages: String,
}

pub async fn run(
    settings: Settings,
    paths: Vec<PathBuf>,
    args: PlatformArgs,
) -> anyhow::Result<ExitCode> {
    let platform = match args.from.as_deref() {
        Some("ghost") => Platform::Ghost,
        _ => Platform::WordPress,
    };
    let [file] = paths.as_slice() else {
        anyhow::bail!(
            "--from {} imports one export file at a time (given: {})",
            platform.source(),
            paths.len()
        );
    };
    let pages: PagesPolicy = args.pages.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    if let Some(dir) = &args.media
        && !dir.is_dir()
    {
        anyhow::bail!(
            "--media {}: not a folder (give the folder of the export's images)",
            dir.display()
        );
    }
    let store = settings.open_store().await?;
    let options = PlatformOptions {
        media_out: settings.data_dir.join("media"),
        media_in: args.media.clone(),
        dry_run: args.dry_run,
        pages,
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} importing [{bar:40}] {pos}/{len} items {per_sec} eta {eta}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let result =
        masthead_import::import_platform(&store, platform, file, options, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    bar.finish_and_clear();
    store.close().await;
    let report = result?;
    for note in &report.notes {
        eprintln!("{note}");
    }
    println!(
        "{} in {:.1}s: {}.",
        file.display(),
        started.elapsed().as_secs_f64(),
        report.summary()
    );
    if report.dry_run {
        println!("Run it again without --dry-run to import.");
    } else if report.imported + report.updated > 0 {
        println!(
            "A running `masthead serve` indexes the new articles for search by itself; `masthead reindex` rebuilds the index at once."
        );
    }
    Ok(if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

//! `masthead photos rebuild`: makes every missing variant of every photo (imported photos,
//! uploads whose job has not run, variants whose file was lost), with a progress bar and a
//! summary. Safe beside a running server: the variants job and this command make the same
//! content-addressed files and record each row once.

use std::process::ExitCode;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use masthead_jobs::photo_variants::{VariantsError, make_missing_variants};

use crate::config::{ServerArgs, Settings};

#[derive(Debug, Subcommand)]
pub enum PhotosCommand {
    /// Make the missing variants (sizes and formats) of every photo, and report what was made
    /// and which photos could not be read.
    Rebuild,
}

pub async fn run(settings: Settings, command: PhotosCommand) -> anyhow::Result<ExitCode> {
    let PhotosCommand::Rebuild = command;
    let store = settings.open_store().await?;
    let web = settings
        .web_config(&store, None, None, &ServerArgs::default())
        .await?;
    let env = masthead_web::photos_media_env(&web, &store);
    let originals = store.all_photo_originals().await?;
    let bar = ProgressBar::new(originals.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} photos [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
        )?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let (mut made, mut bytes, mut failed) = (0usize, 0u64, Vec::new());
    for original in &originals {
        match make_missing_variants(&store, &env, original).await {
            Ok(m) => {
                made += m.variants;
                bytes += m.bytes;
            }
            Err(VariantsError::Permanent(e)) => failed.push(e),
            Err(VariantsError::Retry(e)) => failed.push(format!("{original}: {e:#}")),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    store.close().await;
    println!(
        "Checked {} photos in {:.1}s: made {made} variants ({:.1} MB); {} could not be read.",
        originals.len(),
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1_000_000.0,
        failed.len()
    );
    for f in &failed {
        eprintln!("  {f}");
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

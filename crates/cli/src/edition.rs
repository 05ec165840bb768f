//! `masthead edition preview|send|dns`.
//!
//! - `preview [--date D] [--out DIR]` composes the edition dated D (default: the one due now)
//!   from the database as it is, and writes its HTML and text parts (for a reader named
//!   "Reader", with an unsubscribe link that works) to DIR (default `DATA/edition-preview`).
//! - `send [--date D]` starts the edition (once per date, ever: a second `send` for a date that
//!   was sent sends nothing) and works on it as a job worker until nothing is left, with a
//!   progress bar. Other workers (`serve`, `worker`, on any node) share the chunks through the
//!   job queue. A `send` that was killed is resumed by running it again (or by any worker once
//!   the killed process's leases run out): nobody is skipped. Exit code 0 when every message
//!   was accepted, 2 when some failed or bounced, 3 when the send was stopped.
//! - `dns` prints the DKIM TXT records to publish (generating the keys on first use).

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use masthead_core::edition as rules;
use masthead_jobs::{JobEnv, edition};
use masthead_store::edition::EditionStatus;

use crate::config::{ServerArgs, Settings};

#[derive(Debug, Subcommand)]
pub enum EditionCommand {
    /// Write the HTML and text parts of an edition without sending it.
    Preview {
        /// The edition's date, YYYY-MM-DD (default: the edition due now).
        #[arg(long)]
        date: Option<String>,
        /// Where to write DATE.html and DATE.txt (default: DATA/edition-preview).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Send an edition to every reader who asked for it (once per date; run again to resume).
    Send {
        /// The edition's date, YYYY-MM-DD (default: the edition due now).
        #[arg(long)]
        date: Option<String>,
    },
    /// Print the DKIM DNS records to publish for the sender's domain.
    Dns,
}

pub async fn run(
    settings: Settings,
    command: EditionCommand,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<ExitCode> {
    let store = settings.open_store().await?;
    let web = settings
        .web_config(&store, None, None, &ServerArgs::default())
        .await?;
    let env = Arc::new(crate::job_env(&store, &web).await?);
    let date = |d: &Option<String>| -> anyhow::Result<jiff::civil::Date> {
        match d {
            Some(d) => rules::parse_date(d).map_err(|e| anyhow::anyhow!("--date: {e}")),
            None => Ok(rules::current_date(
                jiff::Timestamp::now(),
                env.edition.settings.send_at,
                &env.site.time_zone,
            )),
        }
    };
    let code = match command {
        EditionCommand::Dns => {
            let records =
                edition::dns_records(&store, &env.edition.settings, &env.mail_settings).await?;
            println!("Publish these TXT records in your DNS zone:\n");
            for (name, value) in &records {
                let quoted: Vec<String> = value
                    .as_bytes()
                    .chunks(255)
                    .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
                    .collect();
                println!("{name}. IN TXT ( {} )", quoted.join(" "));
            }
            println!("\nAs single values (for a DNS provider's web form):\n");
            for (name, value) in &records {
                println!("{name}\n{value}\n");
            }
            ExitCode::SUCCESS
        }
        EditionCommand::Preview { date: d, out } => {
            let date = date(&d)?;
            let started = std::time::Instant::now();
            let content = edition::compose(&store, &env.site, &env.edition.settings, date).await?;
            let composed = started.elapsed();
            let key = edition::unsubscribe_key(&store).await?;
            let url = edition::unsubscribe_url(
                &env.site.public_url,
                &key,
                "preview",
                masthead_store::now_ms(),
            );
            let (subject, text, html) = edition::render(&env, &content, &url, Some("Reader"))?;
            let dir = out.unwrap_or_else(|| settings.data_dir.join("edition-preview"));
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let html_path = dir.join(format!("{}.html", content.date));
            let text_path = dir.join(format!("{}.txt", content.date));
            std::fs::write(&html_path, &html)
                .with_context(|| format!("cannot write {}", html_path.display()))?;
            std::fs::write(&text_path, format!("Subject: {subject}\n\n{text}"))
                .with_context(|| format!("cannot write {}", text_path.display()))?;
            println!(
                "The Daily Edition for {} ({} stories, composed in {} ms): {subject}",
                content.date,
                content.story_count(),
                composed.as_millis()
            );
            println!("HTML: {}", html_path.display());
            println!("Text: {}", text_path.display());
            ExitCode::SUCCESS
        }
        EditionCommand::Send { date: d } => {
            let date = date(&d)?;
            send(&env, date, shutdown).await?
        }
    };
    store.close().await;
    Ok(code)
}

async fn send(
    env: &Arc<JobEnv>,
    date: jiff::civil::Date,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<ExitCode> {
    let started = edition::start(env, date).await?;
    let e = started.edition;
    if !started.created && e.status != EditionStatus::Sending {
        println!(
            "The Daily Edition for {} was already sent ({}, {} recipients); nothing was sent again.",
            e.date,
            e.status.as_str(),
            e.recipients
        );
        return Ok(ExitCode::SUCCESS);
    }
    if started.created {
        println!(
            "Sending the Daily Edition for {} to {} readers: {}",
            e.date, e.recipients, e.subject
        );
    } else {
        println!(
            "Resuming the Daily Edition for {} ({} recipients).",
            e.date, e.recipients
        );
    }
    let bar = ProgressBar::new(e.recipients.max(0) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} sending [{bar:40}] {pos}/{len} {per_sec} eta {eta} {wide_msg}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let worker = masthead_jobs::worker(env.clone()).lease(env.edition.settings.lease());
    let mut shutdown = std::pin::pin!(shutdown);
    let status = loop {
        let ran = tokio::select! {
            ran = worker.run_batch() => ran?,
            _ = &mut shutdown => {
                bar.abandon();
                println!("Interrupted: run `masthead edition send --date {}` again to resume.", e.date);
                return Ok(ExitCode::from(130));
            }
        };
        let p = env.store.edition_progress(&e.id).await?;
        bar.set_position(p.done() as u64);
        bar.set_message(format!(
            "{} sent, {} failed, {} bounced",
            p.sent, p.failed, p.bounced
        ));
        let status = env
            .store
            .edition(&e.id)
            .await?
            .map(|e| e.status)
            .unwrap_or(EditionStatus::Stopped);
        if status != EditionStatus::Sending {
            break status;
        }
        if ran == 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    bar.finish_and_clear();
    let p = env.store.edition_progress(&e.id).await?;
    println!(
        "The Daily Edition for {}: {} sent, {} failed, {} bounced, {} skipped ({}).",
        e.date,
        p.sent,
        p.failed,
        p.bounced,
        p.skipped,
        status.as_str()
    );
    Ok(match status {
        EditionStatus::Sent => ExitCode::SUCCESS,
        EditionStatus::Finished => ExitCode::from(2),
        _ => {
            if let Some(reason) = env.store.edition(&e.id).await?.and_then(|e| e.stop_reason) {
                eprintln!("The send was stopped: {reason}");
            }
            ExitCode::from(3)
        }
    })
}

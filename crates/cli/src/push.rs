//! `masthead push send ARTICLE_SLUG [--topic T] [--resend] [--no-worker]`: sends a published
//! article as a breaking-news notification and shows the fan-out's progress until every
//! subscriber has been tried. The send is durable work in the job queue: this process runs a
//! worker of its own meanwhile (unless `--no-worker`: the site's workers do it), and stopping
//! it with Ctrl-C leaves the rest of the send to the other workers or the next start.

use std::{process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use masthead_jobs::push::{ComposeError, Composed, compose_alert};

use crate::config::{ServerArgs, Settings};

pub async fn send(
    settings: Settings,
    slug: &str,
    topic: &str,
    resend: bool,
    no_worker: bool,
) -> anyhow::Result<ExitCode> {
    let store = settings.open_store().await?;
    let web = settings
        .web_config(&store, None, None, &ServerArgs::default())
        .await?;
    let env = crate::job_env(&store, &web).await?;
    let (id, audience) = match compose_alert(&store, &env.site, slug, topic, resend, "cli").await {
        Ok(Composed::Created { id, audience }) => (id, audience),
        Ok(Composed::AlreadySent { at }) => {
            eprintln!(
                "This story was already sent to “{topic}” (at {}). Run again with --resend to send it again.",
                masthead_store::from_ms(at)
            );
            return Ok(ExitCode::from(3));
        }
        Err(
            e @ (ComposeError::NoSuchArticle(_) | ComposeError::BadTopic(_) | ComposeError::TooBig),
        ) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    println!("Sending to {audience} subscribers of “{topic}” (alert {id}).");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = (!no_worker).then(|| {
        tokio::spawn(masthead_jobs::run_worker(
            Arc::new(env),
            Arc::new(tokio::sync::Notify::new()),
            stop_rx,
        ))
    });
    let bar = ProgressBar::new(audience.max(0) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} pushing [{bar:40}] {pos}/{len} {per_sec} {wide_msg}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let mut interrupted = false;
    let alert = loop {
        let alert = store
            .push_alert(&id)
            .await?
            .context("the alert disappeared (was its article deleted?)")?;
        bar.set_length(
            alert
                .audience
                .max(alert.sent + alert.expired + alert.failed) as u64,
        );
        bar.set_position((alert.sent + alert.expired + alert.failed) as u64);
        bar.set_message(format!(
            "sent {}, expired {}, failed {}{}",
            alert.sent,
            alert.expired,
            alert.failed,
            if alert.open_jobs > 0 && alert.retried > 0 {
                format!(", {} retried", alert.retried)
            } else {
                String::new()
            }
        ));
        if alert.finished_at.is_some() {
            break alert;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = crate::shutdown_signal() => { interrupted = true; break alert; }
        }
    };
    bar.finish_and_clear();
    let _ = stop_tx.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    store.close().await;
    println!(
        "{} in {:.1}s: {} sent, {} expired (removed), {} failed.",
        if interrupted {
            "Stopped following the send (it goes on in the site's workers)"
        } else {
            "Done"
        },
        started.elapsed().as_secs_f64(),
        alert.sent,
        alert.expired,
        alert.failed
    );
    Ok(ExitCode::SUCCESS)
}

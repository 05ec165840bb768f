//! `masthead`: the command line. It parses arguments, loads configuration and calls into the
//! library crates; nothing else lives here.

mod config;
mod edition;
mod imports;
mod photos;
mod push;
mod staff;

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use masthead_core::{EmailAddress, Role};
use masthead_store::staff::StaffChange;

use crate::config::{GlobalArgs, ServerArgs, Settings};

/// Masthead: a self-hosted news publishing platform.
///
/// Configuration comes from defaults, then DATA/masthead.toml, then MASTHEAD_* environment
/// variables, then flags (later wins). With no configuration at all, `masthead serve` runs a
/// site on SQLite with everything under ./masthead-data.
#[derive(Debug, Parser)]
#[command(name = "masthead", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the site (reader pages, /healthz, /readyz, /metrics) and run background jobs.
    Serve {
        /// Address to listen on [env: MASTHEAD_LISTEN] [default: 127.0.0.1:8080]
        #[arg(long, env = "MASTHEAD_LISTEN", hide_env = true)]
        listen: Option<String>,
        /// Load the demo newspaper (original articles, generated photos, a newsroom admin)
        /// into an empty database before serving.
        #[arg(long)]
        demo: bool,
        /// A theme directory (templates/ and static/) overriding the built-in theme, file by file.
        #[arg(long, env = "MASTHEAD_THEME", hide_env = true)]
        theme: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
        /// Serve without running background jobs (emails, scheduled publication, search index
        /// jobs): for a site that runs `masthead worker` on nodes of its own. The search index
        /// still follows the database every second. [env: MASTHEAD_NO_WORKER]
        #[arg(long, env = "MASTHEAD_NO_WORKER", hide_env = true)]
        no_worker: bool,
    },
    /// Run the background jobs (emails, scheduled publication) without serving HTTP, until
    /// Ctrl-C or SIGTERM. Several workers may run against one PostgreSQL database; each job
    /// runs once in effect, whichever worker takes it.
    Worker {
        /// A theme directory whose email templates override the built-in ones.
        #[arg(long, env = "MASTHEAD_THEME", hide_env = true)]
        theme: Option<PathBuf>,
    },
    /// Apply pending database migrations and exit (`serve` also applies them at start).
    Migrate,
    /// Import Markdown articles with front matter: files, or folders of them (with an
    /// optional site.toml). Idempotent by slug: importing again updates, never duplicates.
    ///
    /// With --from ghost|wordpress, import a Ghost export (JSON) or a WordPress export (WXR)
    /// instead: posts, authors, tags, photos and redirects from the old addresses; idempotent
    /// (an unchanged item is left alone, a changed one updated). See docs/imports.md.
    Import {
        /// Files or folders to import; with --from, the one export file.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        platform: imports::PlatformArgs,
    },
    /// Rebuild the search index from the database into a new directory and swap it in
    /// atomically. A running `masthead serve` keeps answering searches meanwhile and adopts the
    /// new index within a second.
    Reindex,
    /// The Daily Edition: preview it, send it (once per date; run again to resume), or print
    /// the DKIM DNS records its signatures need.
    Edition {
        #[command(subcommand)]
        command: edition::EditionCommand,
    },
    /// Manage newsroom staff.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Breaking news by Web Push.
    Push {
        #[command(subcommand)]
        command: PushCommand,
    },
    /// Photos: make their responsive variants.
    Photos {
        #[command(subcommand)]
        command: photos::PhotosCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PushCommand {
    /// Send a published article as a notification to the subscribers of a topic, and show the
    /// progress. A story goes to a topic once unless --resend is given.
    Send {
        /// The article's slug (the last part of its address).
        slug: String,
        /// breaking, or section:SLUG for the readers who follow a section.
        #[arg(long, default_value = "breaking")]
        topic: String,
        /// Send again although this story was sent to this topic before.
        #[arg(long)]
        resend: bool,
        /// Only enqueue the send and follow it; the site's own workers deliver it.
        #[arg(long)]
        no_worker: bool,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add a staff member, or change the role of an existing one.
    Add {
        /// Their email address (they will sign in with it).
        email: String,
        /// admin (everything), editor (edits and publishes anything), author (writes and publishes their own), contributor (writes drafts), moderator (comments).
        #[arg(long)]
        role: String,
    },
    /// List the staff: address, role, whether active, last sign-in.
    List,
    /// Deactivate a staff member: their newsroom sessions end at once on every node, and their
    /// address signs in as a reader's until `staff add` makes them staff again.
    Deactivate {
        /// Their email address.
        email: String,
    },
    /// Remove every passkey of a staff member (audited): the recovery path when a passkey is
    /// lost, for instance by the last admin while passkeys are required. They then sign in by
    /// email and register a new one.
    ResetPasskeys {
        /// Their email address.
        email: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    config::init_tracing(cli.global.log_json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&cli.global)?;
    match cli.command {
        Command::Serve {
            listen,
            demo,
            theme,
            server,
            no_worker,
        } => serve(settings, listen, demo, theme, server, no_worker).await,
        Command::Worker { theme } => worker(settings, theme).await,
        Command::Migrate => {
            let store = settings.open_store().await?;
            store.close().await;
            println!("Database is up to date ({}).", settings.database_display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { paths, platform } => match platform.from {
            Some(_) => imports::run(settings, paths, platform).await,
            None => import(settings, paths).await,
        },
        Command::Reindex => reindex(settings).await,
        Command::Photos { command } => photos::run(settings, command).await,
        Command::Push {
            command:
                PushCommand::Send {
                    slug,
                    topic,
                    resend,
                    no_worker,
                },
        } => push::send(settings, &slug, &topic, resend, no_worker).await,
        Command::Edition { command } => edition::run(settings, command, shutdown_signal()).await,
        Command::Staff {
            command: StaffCommand::Add { email, role },
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = settings.open_store().await?;
            let change = store.add_staff(&email, role).await?;
            store.close().await;
            match change {
                StaffChange::Added => println!("Added {email} as {role}."),
                StaffChange::RoleChanged => println!("{email} is now {role}."),
                StaffChange::Reactivated => println!("{email} is active again, as {role}."),
                StaffChange::Unchanged => println!("{email} was already {role}; nothing changed."),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Staff {
            command: StaffCommand::List,
        } => {
            let store = settings.open_store().await?;
            let staff = store.list_staff().await?;
            store.close().await;
            staff::print_list(&staff);
            Ok(ExitCode::SUCCESS)
        }
        Command::Staff {
            command: StaffCommand::Deactivate { email },
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = settings.open_store().await?;
            let outcome = store
                .deactivate_staff_by_email(&masthead_store::audit::Actor::cli(), &email)
                .await?;
            store.close().await;
            staff::report_deactivation(&email, &outcome)
        }
        Command::Staff {
            command: StaffCommand::ResetPasskeys { email },
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = settings.open_store().await?;
            let outcome = staff::reset_passkeys(&store, &email).await;
            store.close().await;
            outcome
        }
    }
}

async fn serve(
    settings: Settings,
    listen: Option<String>,
    demo: bool,
    theme: Option<PathBuf>,
    server: ServerArgs,
    no_worker: bool,
) -> anyhow::Result<ExitCode> {
    let store = settings.open_store().await?;
    if demo {
        let spinner = progress_spinner("Loading the demo newspaper…");
        let report = masthead_import::load_demo(&store, &settings.data_dir).await?;
        spinner.finish_and_clear();
        match report {
            Some(r) => {
                for f in &r.failures {
                    eprintln!("demo: {f}");
                }
                println!("Loaded the demo newspaper: {} articles.", r.created);
            }
            None => println!("The database already has content; the demo was not loaded again."),
        }
    }
    let mut web = settings.web_config(&store, listen, theme, &server).await?;
    web.run_worker = !no_worker;
    settings.log_effective(&web);
    let app = masthead_web::Application::build(web.clone(), store).await?;
    let addr = app.local_addr();
    let shutdown = shutdown_signal();
    tracing::info!(%addr, "listening");
    println!("Masthead is serving {} at http://{addr}/", web.site_name);
    if demo {
        println!(
            "Readers register and sign in at http://{addr}/sign-in; with no SMTP configured, \
             the emails (links and codes) are written to {}.",
            settings.data_dir.join("outbox").display()
        );
        println!(
            "Newsroom admin on record: {} (the newsroom's own sign-in comes with the newsroom admin).",
            masthead_import::DEMO_ADMIN_EMAIL
        );
    }
    app.run(shutdown).await?;
    Ok(ExitCode::SUCCESS)
}

async fn worker(settings: Settings, theme: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let store = settings.open_store().await?;
    let web = settings
        .web_config(&store, None, theme, &config::ServerArgs::default())
        .await?;
    let env = job_env(&store, &web).await?;
    let shutdown = shutdown_signal();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(masthead_jobs::run_worker(
        std::sync::Arc::new(env),
        std::sync::Arc::new(tokio::sync::Notify::new()),
        stop_rx,
    ));
    println!(
        "Masthead's job worker is running on {}; stop it with Ctrl-C.",
        settings.database_display()
    );
    shutdown.await;
    tracing::info!("shutting down: finishing the jobs in hand");
    let _ = stop_tx.send(true);
    running.await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn import(settings: Settings, paths: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let store = settings.open_store().await?;
    let plan = masthead_import::plan(&paths)?;
    let bar = ProgressBar::new(plan.files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} importing [{bar:40}] {pos}/{len} {per_sec} eta {eta} {wide_msg}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let options = masthead_import::ImportOptions::new(settings.data_dir.join("media"));
    let mut importer = masthead_import::Importer::new(&store, options);
    let started = std::time::Instant::now();
    let report = importer
        .run(&plan, |done, path| {
            bar.set_position(done as u64);
            if done % 64 == 0 {
                bar.set_message(
                    path.file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
            }
        })
        .await?;
    bar.finish_and_clear();
    store.close().await;
    for f in &report.failures {
        eprintln!("{f}");
    }
    println!(
        "Imported {} files in {:.1}s: {} created, {} updated, {} failed.",
        plan.files.len(),
        started.elapsed().as_secs_f64(),
        report.created,
        report.updated,
        report.failures.len()
    );
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

async fn reindex(settings: Settings) -> anyhow::Result<ExitCode> {
    let store = settings.open_store().await?;
    let options = settings.search_options()?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} indexing [{bar:40}] {pos}/{len} articles {per_sec} eta {eta}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let (info, bytes) =
        masthead_web::search::rebuild(&store, &settings.data_dir, &options, |done, total| {
            bar.set_length(total.max(done));
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    store.close().await;
    println!(
        "Indexed {} articles in {:.1}s ({}, {:.1} MB on disk) into {}.",
        info.documents,
        started.elapsed().as_secs_f64(),
        options.language,
        bytes as f64 / 1_048_576.0,
        settings.data_dir.join("search-index").display()
    );
    Ok(ExitCode::SUCCESS)
}

fn progress_spinner(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The job environment of a process that runs jobs without serving HTTP (`masthead worker`,
/// `push send`, `edition send`): the site's settings, its token key, and no search index
/// (each serving node keeps its own current).
pub(crate) async fn job_env(
    store: &masthead_store::Store,
    web: &masthead_web::WebConfig,
) -> anyhow::Result<masthead_jobs::JobEnv> {
    let tokens =
        masthead_jobs::token_key::load_token_hasher(store, &web.data_dir, web.token_key.as_deref())
            .await?;
    masthead_jobs::JobEnv::new(
        store.clone(),
        &web.mail_settings(),
        web.site_settings(),
        None,
        tokens,
    )?
    .with_push(web.push.clone(), &web.mail_from)
    .with_edition(web.edition.clone())
    .with_media(masthead_web::photos_media_env(web, store))
    .with_websub(web.feeds.websub_hub.clone())
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: a process that says it is serving must already stop gracefully
/// on a signal sent right after (tests and supervisors do exactly that).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut i), Ok(mut t)) => {
                    tokio::select! {
                        _ = i.recv() => {}
                        _ = t.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

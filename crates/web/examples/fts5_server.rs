//! The baseline of bench/search.sh: SQLite FTS5 (bm25 ranking, `snippet()` for the body)
//! over the same database and queries as Masthead's `/search`, served over HTTP so that wrk
//! measures both the same way:
//!
//!     cargo run --release -p masthead-web --example fts5_server -- DATA/masthead.db 127.0.0.1:18082
//!
//! At start it builds (once) an FTS5 table `bench_fts` from the published articles, with the
//! porter stemmer and diacritics removed, then answers `GET /search?q=…` with an HTML page of
//! the top 10: headline, escaped snippet with <mark>, section. All words are required, as in
//! Masthead. Not part of Masthead: a measuring stick.

use std::{str::FromStr, time::Instant};

use axum::{
    Router,
    extract::{Query, State},
    response::Html,
    routing::get,
};
use sqlx::{
    Row, SqlitePool,
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
};

#[derive(serde::Deserialize)]
struct Params {
    #[serde(default)]
    q: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// FTS5 query syntax from the reader's words: each word quoted (so nothing is an operator).
fn fts_query(q: &str) -> String {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(24)
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

async fn search(State(pool): State<SqlitePool>, Query(p): Query<Params>) -> Html<String> {
    let q = fts_query(&p.q);
    let mut html = format!(
        "<!doctype html><html><head><title>Search: {}</title></head><body><ol>",
        escape(&p.q)
    );
    if !q.is_empty() {
        // Markers are control characters so that the text can be escaped after snippet().
        let rows = sqlx::query(
            // The FTS query runs first, on its own: written as one join, SQLite's planner may
            // walk `articles` and probe the FTS table row by row (seconds per query).
            "SELECT a.headline, a.slug, s.slug AS section, f.snip FROM \
             (SELECT rowid, snippet(bench_fts, 2, char(1), char(2), '…', 24) AS snip, \
                     bm25(bench_fts, 3.0, 1.5, 1.0) AS rank \
              FROM bench_fts WHERE bench_fts MATCH ?1 ORDER BY rank LIMIT 10) f \
             JOIN articles a ON a.rowid = f.rowid \
             JOIN sections s ON s.id = a.section_id ORDER BY f.rank",
        )
        .bind(&q)
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
        for r in rows {
            let headline: String = r.get("headline");
            let snip: String = r.get("snip");
            let snip = escape(&snip)
                .replace('\u{1}', "<mark>")
                .replace('\u{2}', "</mark>");
            html.push_str(&format!(
                "<li><h2><a href=\"/{}/{}\">{}</a></h2><p>{}</p></li>",
                r.get::<String, _>("section"),
                r.get::<String, _>("slug"),
                escape(&headline),
                snip
            ));
        }
    }
    html.push_str("</ol></body></html>");
    Html(html)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let db = args.get(1).expect("usage: fts5_server DB_FILE LISTEN_ADDR");
    let listen = args.get(2).map(String::as_str).unwrap_or("127.0.0.1:18082");
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{db}"))?
        .pragma("journal_mode", "WAL")
        .pragma("busy_timeout", "10000");
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    let exists: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name = 'bench_fts'")
            .fetch_optional(&pool)
            .await?;
    if exists.is_none() {
        let start = Instant::now();
        sqlx::query(
            "CREATE VIRTUAL TABLE bench_fts USING fts5(headline, standfirst, body, \
             tokenize = 'porter unicode61 remove_diacritics 2')",
        )
        .execute(&pool)
        .await?;
        sqlx::query(
            "INSERT INTO bench_fts (rowid, headline, standfirst, body) \
             SELECT rowid, headline, standfirst, body_text FROM articles WHERE status = 'published'",
        )
        .execute(&pool)
        .await?;
        eprintln!("built bench_fts in {:.1}s", start.elapsed().as_secs_f64());
    }
    let app = Router::new().route("/search", get(search)).with_state(pool);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("fts5_server listening on {listen}");
    axum::serve(listener, app).await?;
    Ok(())
}

//! In-process search latency, for bench/search.sh (run it with `--release`):
//!
//!     cargo run --release -p masthead-search --example search_latency -- DATA_DIR QUERIES_FILE
//!
//! Opens the live index of DATA_DIR as `masthead serve` does, runs every query of QUERIES_FILE
//! (one per line) once to warm the OS cache and then once measured, top 10 with snippets, and
//! prints p50, p99 and max in milliseconds, and how many articles the median query matches.
//! With `SLOWEST=1` it also lists the slowest queries on stderr. The index must have been built with the default
//! options (English, lead-in of 2 paragraphs).

use std::time::Instant;

use masthead_search::{ParsedQuery, SearchIndex, SearchOptions, SearchRequest, SortOrder};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(data), Some(queries)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: search_latency DATA_DIR QUERIES_FILE");
        std::process::exit(2);
    };
    let index = SearchIndex::open(std::path::Path::new(data), &SearchOptions::default())
        .unwrap_or_else(|e| {
            eprintln!("cannot open the index: {e}");
            std::process::exit(1);
        });
    let text = std::fs::read_to_string(queries).expect("read the queries file");
    let requests: Vec<SearchRequest> = text
        .lines()
        .filter_map(|q| ParsedQuery::parse(q).ok())
        .map(|query| SearchRequest {
            query,
            scope: masthead_search::Scope::Public,
            section: None,
            author: None,
            from_ms: None,
            until_ms: None,
            sort: SortOrder::Relevance,
            page: 1,
            per_page: 10,
        })
        .collect();
    for r in &requests {
        index.search(r).expect("search");
    }
    let mut times = Vec::with_capacity(requests.len());
    let mut slowest = Vec::with_capacity(requests.len());
    let mut hits = 0usize;
    for r in &requests {
        let start = Instant::now();
        let res = index.search(r).expect("search");
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        times.push(ms);
        slowest.push((ms, r.query.display(), res.total));
        hits += res.hits.len();
    }
    if std::env::var_os("SLOWEST").is_some() {
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (ms, q, total) in slowest.iter().take(12) {
            eprintln!("{ms:7.3} ms  {total:6} hits  {q}");
        }
    }
    // How many articles the median query matches: what the engine must score (FTS5 computes
    // bm25 for every one of them; this is what makes common-word queries expensive).
    let mut totals: Vec<usize> = slowest.iter().map(|s| s.2).collect();
    totals.sort_unstable();
    let median_matches = totals.get(totals.len() / 2).copied().unwrap_or(0);
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "queries={} documents={} hits_shown={} median_matches={} p50_ms={:.3} p99_ms={:.3} max_ms={:.3}",
        times.len(),
        index.num_docs(),
        hits,
        median_matches,
        pct(0.50),
        pct(0.99),
        times.last().copied().unwrap_or(0.0)
    );
}

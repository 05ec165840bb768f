#!/usr/bin/env bash
# Search benchmark: Masthead's tantivy search against SQLite FTS5 over the same corpus and queries.
#
#   bash bench/search.sh                       # 100k-article corpus (shared with bench/run.sh)
#   ARTICLES=20000 DURATION=10 bash bench/search.sh
#
# Steps:
#   build    cargo build --release -p masthead, and the two bench binaries:
#            crates/search/examples/search_latency.rs, crates/web/examples/fts5_server.rs  SKIP_BUILD=1
#   corpus   python3 bench/corpus.py --articles $ARTICLES --seed $SEED --out $OUT/corpus (skipped when complete)
#   import   masthead import $OUT/corpus --data $OUT/search-data (skipped when $OUT/search-data/.imported matches)
#   reindex  masthead reindex --data $OUT/search-data, timed; index size = du of the live generation
#   queries  QUERY_COUNT (1000) one-to-three-word queries, seeded, from the headlines and standfirsts
#            of the corpus (python, below), into $OUT/search-queries.txt (+ URL-encoded copy)
#   latency  search_latency $OUT/search-data $OUT/search-queries.txt: in process, top 10 with
#            snippets, p50/p99 over every query after a warm-up pass
#   http     wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s bench/search_queries.lua after a
#            ${WARMUP}s warm-up, the same query mix for each of: masthead serve as configured by
#            default (repeated queries come from its results-page cache, as they do for readers);
#            masthead serve with MASTHEAD_PAGE_CACHE_MB=1 (nearly every request searches and
#            renders); fts5_server (FTS5 table built once from the same database; no cache).
#   report   $OUT/search-results.md (also printed)
#
# Knobs: SKIP_REINDEX=1 (keep the index built by an earlier run) ARTICLES=100000 SEED=1 QUERY_COUNT=1000 DURATION=15 WARMUP=3 THREADS=2 CONNECTIONS=16
#        MASTHEAD_PORT=18080 FTS_PORT=18082 OUT=bench/out
# Run only when `uptime` shows a low load and no cargo build is running (2 shared cores).

set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
ARTICLES=${ARTICLES:-100000}
SEED=${SEED:-1}
QUERY_COUNT=${QUERY_COUNT:-1000}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
MASTHEAD_PORT=${MASTHEAD_PORT:-18080}
FTS_PORT=${FTS_PORT:-18082}
SKIP_BUILD=${SKIP_BUILD:-0}
OUT=${OUT:-$BENCH_DIR/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/masthead
DATA=$OUT/search-data
REPORT=$OUT/search-results.md
PIDS=()

cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk curl python3)" >&2; exit 1; }
done

if [ "$SKIP_BUILD" != 1 ]; then
  say "build (release)"
  (cd "$ROOT" && cargo build --release -p masthead \
    && cargo build --release -p masthead-search --example search_latency \
    && cargo build --release -p masthead-web --example fts5_server)
fi

CORPUS=$OUT/corpus
case "$(cat "$CORPUS/.corpus-complete" 2>/dev/null)" in
  "articles=$ARTICLES seed=$SEED "*) ;;
  *) say "corpus ($ARTICLES articles)"
     python3 "$BENCH_DIR/corpus.py" --articles "$ARTICLES" --seed "$SEED" --out "$CORPUS" ;;
esac

mkdir -p "$DATA"
MARK="articles=$ARTICLES seed=$SEED"
if [ "$(cat "$DATA/.imported" 2>/dev/null)" != "$MARK" ]; then
  say "import"
  rm -rf "$DATA" && mkdir -p "$DATA"
  "$BIN" --data "$DATA" import "$CORPUS" >/dev/null
  echo "$MARK" > "$DATA/.imported"
fi

if [ "${SKIP_REINDEX:-0}" = 1 ] && [ -e "$DATA/search-index" ]; then
  REINDEX_S="(not run: SKIP_REINDEX=1)"
else
  say "reindex"
  START=$(date +%s.%N)
  "$BIN" --data "$DATA" reindex | tee "$OUT/reindex.txt"
  END=$(date +%s.%N)
  REINDEX_S=$(python3 -c "print(f'{$END - $START:.1f}')")s
fi
INDEX_MB=$(du -smL "$DATA/search-index" | cut -f1)

say "queries"
python3 - "$CORPUS" "$QUERY_COUNT" "$SEED" "$OUT/search-queries.txt" "$OUT/search-queries.url" <<'PY'
import os, random, re, sys, urllib.parse
corpus, n, seed, plain, encoded = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rng = random.Random(seed)
files = sorted(os.listdir(os.path.join(corpus, "articles")))
rng.shuffle(files)
words = []
stop = {"the", "a", "an", "of", "and", "in", "on", "to", "for", "at", "by", "with", "from", "as", "is", "its", "after", "over"}
for name in files[:3000]:
    text = open(os.path.join(corpus, "articles", name), encoding="utf-8").read()
    for key in ("headline", "standfirst"):
        m = re.search(rf'^{key}:\s*"?(.*?)"?\s*$', text, re.M)
        if m:
            words += [w.lower() for w in re.findall(r"[A-Za-z]{3,}", m.group(1)) if w.lower() not in stop]
queries = []
while len(queries) < n:
    k = rng.choice([1, 1, 2, 2, 2, 3])
    queries.append(" ".join(rng.choice(words) for _ in range(k)))
open(plain, "w").write("\n".join(queries) + "\n")
open(encoded, "w").write("\n".join(urllib.parse.quote_plus(q) for q in queries) + "\n")
PY

say "in-process latency"
LATENCY=$("$TARGET/release/examples/search_latency" "$DATA" "$OUT/search-queries.txt")
echo "$LATENCY"

wait_up() {
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2; return 1
}

start_masthead() { # $1 = page cache MB ("" for the default)
  MASTHEAD_PAGE_CACHE_MB=$1 "$BIN" --data "$DATA" serve --listen "127.0.0.1:$MASTHEAD_PORT" \
    >"$OUT/search-masthead.log" 2>&1 &
  MASTHEAD_PID=$!
  PIDS+=("$MASTHEAD_PID")
  wait_up "http://127.0.0.1:$MASTHEAD_PORT/healthz"
  # The import queued one index_article job per article; the server works through them (each
  # finds its version already indexed) before load is applied, so they do not skew the figures.
  for _ in $(seq 1 1800); do
    QUEUED=$(curl -fsS "http://127.0.0.1:$MASTHEAD_PORT/metrics" | awk '/^masthead_jobs\{status="(queued|running)"\}/ {s += $2} END {print s + 0}')
    [ "$QUEUED" = 0 ] && break
    sleep 1
  done
  echo "jobs left: $QUEUED" >&2
}
stop_masthead() { kill "$MASTHEAD_PID"; wait "$MASTHEAD_PID" 2>/dev/null || true; }

run_wrk() {
  local url=$1
  if [ "$WARMUP" != 0 ]; then
    QUERIES="$OUT/search-queries.url" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$BENCH_DIR/search_queries.lua" "$url" >/dev/null
  fi
  QUERIES="$OUT/search-queries.url" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/search_queries.lua" "$url"
}
parse() { # wrk output -> "req/s p50 p99"
  python3 -c '
import re, sys
t = sys.stdin.read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)
def lat(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", t, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
print(rps, f"{lat(50):.2f}", f"{lat(99):.2f}")'
}

# 1. As readers get it: the results page is cached per query and index generation, so a query
#    asked again is served from memory.
say "http: masthead (default: results pages cached)"
start_masthead ""
M=$(run_wrk "http://127.0.0.1:$MASTHEAD_PORT" | tee "$OUT/search-wrk-masthead.txt" | parse)
stop_masthead
# 2. Every query searched: a 1 MB page cache holds about 50 results pages, far fewer than the
#    1,000 queries that cycle through it, so (nearly) every request runs the search and renders.
say "http: masthead (every query searched: MASTHEAD_PAGE_CACHE_MB=1)"
start_masthead 1
U=$(run_wrk "http://127.0.0.1:$MASTHEAD_PORT" | tee "$OUT/search-wrk-masthead-uncached.txt" | parse)
stop_masthead

say "http: fts5"
"$TARGET/release/examples/fts5_server" "$DATA/masthead.db" "127.0.0.1:$FTS_PORT" >"$OUT/search-fts5.log" 2>&1 &
PIDS+=($!)
wait_up "http://127.0.0.1:$FTS_PORT/search?q=harbour"
F=$(run_wrk "http://127.0.0.1:$FTS_PORT" | tee "$OUT/search-wrk-fts5.txt" | parse)
read -r M_RPS M_P50 M_P99 <<<"$M"
read -r U_RPS U_P50 U_P99 <<<"$U"
read -r F_RPS F_P50 F_P99 <<<"$F"
RATIO=$(python3 -c "print(f'{$M_RPS / $F_RPS:.1f}')")
RATIO_U=$(python3 -c "print(f'{$U_RPS / $F_RPS:.1f}')")

{
  echo "# Search benchmark ($(date -u +%Y-%m-%dT%H:%MZ), load before: $(cut -d' ' -f1-3 /proc/loadavg))"
  echo
  echo "Corpus: $ARTICLES articles (seed $SEED); $QUERY_COUNT queries of 1-3 words; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s."
  echo
  echo "- reindex: ${REINDEX_S}; index on disk: ${INDEX_MB} MB"
  echo "- in process (top 10, snippets): $LATENCY"
  echo
  echo "| /search over HTTP | req/s | p50 ms | p99 ms |"
  echo "|---|---|---|---|"
  echo "| Masthead (tantivy, full page, results cached as in production) | $M_RPS | $M_P50 | $M_P99 |"
  echo "| Masthead, every query searched (1 MB page cache) | $U_RPS | $U_P50 | $U_P99 |"
  echo "| SQLite FTS5 (bm25 + snippet, no cache) | $F_RPS | $F_P50 | $F_P99 |"
  echo
  echo "Masthead / FTS5 throughput: ${RATIO}x (cached), ${RATIO_U}x (every query searched)"
} | tee "$REPORT"

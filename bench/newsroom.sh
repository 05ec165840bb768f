#!/usr/bin/env bash
# Newsroom benchmark (issue 13's targets), on SQLite or, with MASTHEAD_DATABASE_URL, PostgreSQL:
#   corpus   python3 bench/corpus.py --articles $ARTICLES --seed $SEED --out $OUT/corpus (reused when complete)
#   import   masthead import $OUT/corpus --data $OUT/newsroom-data (reused when corpus, database and binary match)
#   staff    masthead staff add editorNN@bench.example --role editor, for EDITORS editors
#   serve    masthead serve on 127.0.0.1:$PORT (node 1, with the job worker)
#   sign-in  each editor asks for a link at POST /register, the worker writes the email to
#            DATA/outbox/ (no SMTP), and POST /sign-in/link spends it with the browser's mh_bind
#            cookie: the staff rules (the link works only in the browser that asked) apply, and
#            each session is a real staff session (newsroom.py sign-in)
#   drafts   each editor creates a draft through the newsroom form (POST /newsroom/articles)
#   autosave wrk -t$EDITORS -c$EDITORS -s bench/newsroom_autosave.lua: editor k on connection k
#            autosaves its own draft (JSON, X-CSRF-Token) with a new text each time, as fast as
#            the server answers; then every autosave is checked (newsroom.py check-autosave)
#   list     wrk -t2 -c$LIST_CONNECTIONS GET /newsroom/articles as an editor: the first page, a
#            filtered one (published in one section), by author, page DEEP_PAGES+1 (reached by
#            following the "next" links), and a headline search
#   publish  with PostgreSQL a second node (masthead serve on $PORT+1, its own data directory and
#            search index copied from node 1's before node 1 starts, the same token key); on
#            SQLite one node. PUBLISH articles published one after another through the
#            newsroom form (alternating nodes), each polled as an anonymous reader on every node
#            (article page, front page, section page, search for a word only it has) until all
#            show it (newsroom.py publish)
#   report   $OUT/newsroom-results.md (also printed)
# Knobs: ARTICLES=100000 SEED=1 EDITORS=32 DURATION=15 WARMUP=2 LIST_CONNECTIONS=8 PUBLISH=50
#        AUTOSAVE_DELAY_MS=0 DEEP_PAGES=20 VISIBLE_TIMEOUT=30 QUEUE_TIMEOUT=3600 PORT=18095 OUT=bench/out MASTHEAD_BIN=… REIMPORT=1 SKIP_IMPORT=1
#        MASTHEAD_DATABASE_URL=postgres://… (an empty database: import is idempotent by slug, but
#        what is there stays; later runs reuse it and add their drafts and published articles)
# Run only on a quiet machine (2 shared cores: `uptime`, no cargo build running).
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
ARTICLES=${ARTICLES:-100000}
SEED=${SEED:-1}
EDITORS=${EDITORS:-32}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-2}
LIST_CONNECTIONS=${LIST_CONNECTIONS:-8}
PUBLISH=${PUBLISH:-50}
PORT=${PORT:-18095}
OUT=${OUT:-$BENCH_DIR/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BIN=${MASTHEAD_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/masthead}
CORPUS=$OUT/corpus
DATA=$OUT/newsroom-data
NODE2=$OUT/newsroom-node2
RUN=$OUT/newsroom
REPORT=$OUT/newsroom-results.md
PIDS=()

cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "newsroom.sh: $*" >&2; exit 1; }
redact_url() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"; }

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install wrk curl python3)"
done
[ -x "$BIN" ] || die "no masthead binary at $BIN: cargo build --release -p masthead (or set MASTHEAD_BIN)"
for p in "$PORT" "$((PORT + 1))"; do
  ! curl -s -o /dev/null "http://127.0.0.1:$p/" || die "something already answers on 127.0.0.1:$p (PORT=…)"
done

DB_DESC="SQLite in $DATA"
NODES=1
if [ -n "${MASTHEAD_DATABASE_URL:-}" ]; then
  export MASTHEAD_DATABASE_URL
  DB_DESC="PostgreSQL at $(redact_url "$MASTHEAD_DATABASE_URL")"
  case "$MASTHEAD_DATABASE_URL" in postgres://*|postgresql://*) NODES=2 ;; esac
fi
# Every client is 127.0.0.1: the per-IP limits would stop the sign-ins and the search polls.
export MASTHEAD_RATE_EMAILS_PER_IP=100000000 MASTHEAD_RATE_EMAILS_PER_ADDRESS=100000000
export MASTHEAD_SEARCH_PER_MINUTE=0
unset MASTHEAD_SMTP_URL

corpus_version=$(sed -n 's/^VERSION = \([0-9]*\).*/\1/p' "$BENCH_DIR/corpus.py")
corpus_marker="articles=$ARTICLES seed=$SEED version=$corpus_version"
if [ "$(cat "$CORPUS/.corpus-complete" 2>/dev/null)" = "$corpus_marker" ]; then
  say "corpus: $CORPUS already holds $corpus_marker"
else
  say "corpus: $ARTICLES articles into $CORPUS"
  python3 "$BENCH_DIR/corpus.py" --articles "$ARTICLES" --seed "$SEED" --out "$CORPUS" --force
fi

bin_sum=$(sha256sum "$BIN" | cut -c1-16)
import_marker="$corpus_marker db=$(redact_url "${MASTHEAD_DATABASE_URL:-sqlite}") bin=$bin_sum"
if [ "${SKIP_IMPORT:-0}" = 1 ] && [ -d "$DATA" ]; then
  say "import: skipped (SKIP_IMPORT=1: $DATA as it is, migrated by this binary at start)"
  IMPORT_DESC="skipped (SKIP_IMPORT=1)"
elif [ "${REIMPORT:-0}" != 1 ] && [ "$(cat "$DATA/.newsroom-import" 2>/dev/null)" = "$import_marker" ]; then
  say "import: $DATA already holds this corpus, imported by this binary (REIMPORT=1 to redo)"
  IMPORT_DESC="reused"
else
  say "import: $BIN import $CORPUS --data $DATA"
  # A PostgreSQL database keeps what an earlier run hashed with this key (sessions, codes):
  # keep the key, or the node refuses to start against it.
  KEY=$(cat "$DATA/token.key" 2>/dev/null || true)
  rm -rf "$DATA" && mkdir -p -m 0700 "$DATA"
  [ -n "$KEY" ] && (umask 077 && printf '%s' "$KEY" > "$DATA/token.key")
  t0=$(date +%s)
  "$BIN" --data "$DATA" import "$CORPUS" > "$OUT/newsroom-import.log" 2>&1 \
    || { tail -n 20 "$OUT/newsroom-import.log" >&2; die "import failed"; }
  IMPORT_DESC="$(( $(date +%s) - t0 )) s"
  # A large import leaves no index (a server would rebuild it in the background at start):
  # build it now, as search.sh does, so that node 1 (and node 2's copy) start with it.
  "$BIN" --data "$DATA" reindex >> "$OUT/newsroom-import.log" 2>&1 \
    || { tail -n 20 "$OUT/newsroom-import.log" >&2; die "reindex failed"; }
  echo "$import_marker" > "$DATA/.newsroom-import"
fi

say "staff: $EDITORS editors (masthead staff add)"
: > "$OUT/newsroom-emails.txt"
: > "$OUT/newsroom-staff.log"
for i in $(seq -w 1 "$EDITORS"); do
  "$BIN" --data "$DATA" staff add "editor$i@bench.example" --role editor >> "$OUT/newsroom-staff.log" 2>&1 \
    || { tail -n 5 "$OUT/newsroom-staff.log" >&2; die "staff add failed"; }
  echo "editor$i@bench.example" >> "$OUT/newsroom-emails.txt"
done

rm -rf "$RUN" && mkdir -p "$RUN"
if [ "$NODES" = 2 ]; then
  # Node 2 starts from a copy of node 1's index (taken while no node writes it) and catches
  # up from its cursor, as docs/architecture.md ("Several nodes") describes; without it, it
  # would rebuild the whole index at start.
  rm -rf "$NODE2" && mkdir -p -m 0700 "$NODE2"
  [ -d "$DATA/search-index" ] && cp -a "$DATA/search-index" "$NODE2/"
fi

start_node() { # data dir, port, log
  RUST_LOG=warn "$BIN" --data "$1" serve --listen "127.0.0.1:$2" > "$3" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "http://127.0.0.1:$2/readyz" && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || { tail -n 20 "$3" >&2; die "masthead on port $2 exited"; }
    sleep 0.25
  done
  die "masthead on port $2 not ready after 300 s"
}
say "serve: node 1 on 127.0.0.1:$PORT"
start_node "$DATA" "$PORT" "$RUN/node1.log"
BASE=http://127.0.0.1:$PORT

# The import queued one index_article job per article (cheap once the index holds them, but
# the worker takes them in order, before the sign-in emails): measure nothing until the queue
# holds only jobs due later (the Daily Edition's).
wait_for_jobs() {
  local due start=$(date +%s)
  while :; do
    due=$(curl -sf "$BASE/metrics" | awk '/^masthead_jobs\{status="(queued|running)"\}/ {n += $2} END {print n + 0}')
    [ "$due" -le 5 ] && break
    [ $(( $(date +%s) - start )) -gt "${QUEUE_TIMEOUT:-3600}" ] && die "the job queue still holds $due jobs after ${QUEUE_TIMEOUT:-3600} s"
    echo "  waiting for the job queue to drain: $due jobs queued or running" >&2
    sleep 10
  done
}
FIRST_SECTION=$(sed -n 's/^slug = "\(.*\)"/\1/p' "$CORPUS/site.toml" | head -n1)
curl -sf -o /dev/null "$BASE/$FIRST_SECTION" \
  || die "the database holds no section /$FIRST_SECTION (a new database behind an old import marker?): run with REIMPORT=1"
say "jobs: waiting for the queue left by the import"
wait_for_jobs

say "sign-in: $EDITORS editors by emailed link"
python3 "$BENCH_DIR/newsroom.py" sign-in "$BASE" "$DATA/outbox" "$OUT/newsroom-emails.txt" "$RUN/sessions.txt"
SESSION=$(sed -n 1p "$RUN/sessions.txt")

say "drafts: one per editor"
python3 "$BENCH_DIR/newsroom.py" drafts "$BASE" "$RUN/sessions.txt" "$CORPUS" "$RUN/editors.tsv"

META=$RUN/meta.tsv
{
  printf 'machine\t%s, %s cores\n' "$(uname -srm)" "$(nproc)"
  printf 'commit\t%s\n' "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  printf 'binary\t%s (sha256 %s)\n' "$BIN" "$bin_sum"
  printf 'database\t%s\n' "$DB_DESC"
  printf 'corpus\t%s (import: %s)\n' "$corpus_marker" "$IMPORT_DESC"
  printf 'load average at start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$META"

wrk_run() { # name, connections, threads, target, url, extra wrk args…
  local name=$1 conns=$2 threads=$3 target=$4 url=$5; shift 5
  say "$name: $url, $conns connections, ${DURATION}s"
  # --timeout: a slow page is measured, not dropped as a socket error after wrk's default 2 s.
  [ "$WARMUP" -gt 0 ] && timeout $((WARMUP + 60)) wrk -t"$threads" -c"$conns" -d"${WARMUP}s" --timeout 30s "$@" "$url" > /dev/null
  timeout $((DURATION + 90)) wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 30s --latency "$@" "$url" | tee "$RUN/$name.txt"
  printf 'run:%s\t%s\t%s\t%s\t%s\n' "$name" "$name" "$conns" "$target" "$RUN/$name.txt" >> "$META"
}

AUTOSAVE_TARGET="p99 < 20 ms (SQLite)"
[ "$NODES" = 2 ] && AUTOSAVE_TARGET="p99 < 30 ms (PostgreSQL)"
AUTOSAVE_NAME=autosave
[ "${AUTOSAVE_DELAY_MS:-0}" != 0 ] && AUTOSAVE_NAME="autosave-every-${AUTOSAVE_DELAY_MS}ms"
export AUTOSAVE_DELAY_MS=${AUTOSAVE_DELAY_MS:-0}
# The warm-up autosaves too; every request is a full autosave of the editor's own draft.
export EDITORS_FILE=$RUN/editors.tsv
wrk_run "$AUTOSAVE_NAME" "$EDITORS" "$EDITORS" "$AUTOSAVE_TARGET" "$BASE" -s "$BENCH_DIR/newsroom_autosave.lua"
python3 "$BENCH_DIR/newsroom.py" check-autosave "$BASE" "$EDITORS_FILE"

python3 "$BENCH_DIR/newsroom.py" list-urls "$BASE" "$SESSION" "$CORPUS" "$RUN/list-urls.tsv"
while IFS=$'\t' read -r name url; do
  wrk_run "$name" "$LIST_CONNECTIONS" 2 "p99 < 50 ms" "$BASE$url" -H "Cookie: mh_session=$SESSION"
done < "$RUN/list-urls.tsv"

BASES=("$BASE")
if [ "$NODES" = 2 ]; then
  say "serve: node 2 on 127.0.0.1:$((PORT + 1)) (same database and token key)"
  MASTHEAD_TOKEN_KEY=$(cat "$DATA/token.key") start_node "$NODE2" "$((PORT + 1))" "$RUN/node2.log"
  BASES+=("http://127.0.0.1:$((PORT + 1))")
  sleep 2 # let node 2's index catch up with the drafts before the clock starts
fi
say "publish: $PUBLISH articles, polled on ${#BASES[@]} node(s)"
python3 "$BENCH_DIR/newsroom.py" publish "$SESSION" "$CORPUS" "$PUBLISH" "$RUN/publish.tsv" "${BASES[@]}" \
  || echo "publish: see above" >&2
printf 'run:publish\tpublish\t%s\tp99 < 2 s\t%s\n' "${#BASES[@]} node(s)" "$RUN/publish.tsv" >> "$META"
printf 'load average at end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$META"

python3 "$BENCH_DIR/newsroom.py" report "$META" "$REPORT"

#!/usr/bin/env bash
# Masthead page benchmark: Masthead against nginx serving the very same bytes from disk.
#
#   bash bench/run.sh                          # everything, 100k-article corpus
#   ARTICLES=20000 DURATION=10 bash bench/run.sh
#   NGINX_ONLY=1 bash bench/run.sh             # self-test of the nginx + wrk half, no masthead needed
#
# Steps, in order, and how to skip them:
#   deps     wrk, nginx, curl, python3 (+ libnginx-mod-http-brotli-static): installed with apt-get
#            when missing and running as root.                             INSTALL_DEPS=0 to never install
#   build    cargo build --release -p masthead                             SKIP_BUILD=1 (binary must exist)
#   corpus   python3 bench/corpus.py --articles $ARTICLES --seed $SEED --out $OUT/corpus
#            Skipped automatically when $OUT/corpus/.corpus-complete matches.  SKIP_CORPUS=1 / REGEN_CORPUS=1
#   import   masthead import $OUT/corpus --data $OUT/data (timed)
#            Skipped automatically when $OUT/data/.bench-import matches this corpus, database and
#            masthead binary (sha256).
#                                                                          SKIP_IMPORT=1 / REIMPORT=1
#   serve    masthead serve --listen 127.0.0.1:$MASTHEAD_PORT --data $OUT/data; cold start = process
#            start to the first 200 from / (curl loop, every ~10 ms)
#   capture  article path = first /section/slug link on the front page (ARTICLE_PATH=/city/x to force);
#            exact response bytes of the article and the front page, with no Accept-Encoding, with
#            "Accept-Encoding: gzip" and with "Accept-Encoding: br", into $OUT/pages
#   nginx    the captured bytes as static files in $OUT/nginx-root (article at its own path, front
#            page as index.html, .gz/.br siblings for gzip_static/brotli_static), nginx on
#            127.0.0.1:$NGINX_PORT with $OUT/nginx/nginx.conf; every nginx response is checked
#            byte for byte against what masthead sent before any load is applied
#   wrk      wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, after a ${WARMUP}s warm-up run,
#            for {article, front, /feed.xml, Content API list} x {identity, gzip, br} x {masthead, nginx}
#            (Content API list = $API_PATH, 20 articles; masthead runs with MASTHEAD_API_PER_MINUTE
#            =$API_PER_MINUTE unless set, so the limiter is on the path but never answers 429)
#   report   $OUT/results.md (also printed): req/s, p50, p99, masthead/nginx ratio, import time,
#            cold start, peak RSS (VmHWM) of masthead after the runs
#
# Knobs (environment):
#   ARTICLES=100000  SEED=1          corpus size and seed
#   DURATION=15  WARMUP=2            seconds per wrk run / per warm-up run (WARMUP=0: none)
#   THREADS=2  CONNECTIONS=64        wrk -t / -c
#   MASTHEAD_PORT=18080  NGINX_PORT=18081
#   MASTHEAD_BIN=path                default: ${CARGO_TARGET_DIR:-<repo>/target}/release/masthead
#   MASTHEAD_DATABASE_URL=postgres://user:pass@127.0.0.1/db
#                                    run on PostgreSQL (passed through to masthead, which reads it);
#                                    $OUT/data still holds the media. Use an empty database.
#   ARTICLE_PATH=/section/slug       benchmark this article instead of the first one on the front page
#   API_PATH=/api/v1/articles?limit=20   the Content API request (nginx serves its bytes at its path)
#   NGINX_WORKERS=2                  nginx worker_processes (2 = the cores masthead gets on this box)
#   NGINX_OPEN_FILE_CACHE=1          nginx open_file_cache (0 to make nginx open() the file per request)
#   NGINX_ONLY=1                     self-test: no build/corpus/import/masthead; nginx serves ~DUMMY_KB
#   DUMMY_KB=22                      KB generated pages (gzip, and br if a brotli encoder is installed)
#   OUT=bench/out                    where everything goes
#   BUILD_TIMEOUT=3600  IMPORT_TIMEOUT=7200  START_TIMEOUT=120   seconds; every wait is bounded
#
# Exit status is non-zero when a step fails; masthead and nginx are stopped on any exit.

set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

ARTICLES=${ARTICLES:-100000}
SEED=${SEED:-1}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-2}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
MASTHEAD_PORT=${MASTHEAD_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
NGINX_WORKERS=${NGINX_WORKERS:-2}
NGINX_OPEN_FILE_CACHE=${NGINX_OPEN_FILE_CACHE:-1}
NGINX_ONLY=${NGINX_ONLY:-0}
DUMMY_KB=${DUMMY_KB:-22}
INSTALL_DEPS=${INSTALL_DEPS:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_CORPUS=${SKIP_CORPUS:-0}
REGEN_CORPUS=${REGEN_CORPUS:-0}
SKIP_IMPORT=${SKIP_IMPORT:-0}
REIMPORT=${REIMPORT:-0}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
IMPORT_TIMEOUT=${IMPORT_TIMEOUT:-7200}
START_TIMEOUT=${START_TIMEOUT:-120}
API_PATH=${API_PATH:-/api/v1/articles?limit=20}
API_PER_MINUTE=${MASTHEAD_API_PER_MINUTE:-1000000000}
OUT=${OUT:-$BENCH_DIR/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CORPUS=$OUT/corpus
DATA=$OUT/data
PAGES=$OUT/pages
NGX=$OUT/nginx
NGX_ROOT=$OUT/nginx-root
WRK_DIR=$OUT/wrk
BROTLI_MODULE=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac  # cargo runs in $ROOT
MASTHEAD_BIN=${MASTHEAD_BIN:-$TARGET_DIR/release/masthead}
case "$MASTHEAD_BIN" in /*) ;; *) MASTHEAD_BIN=$PWD/$MASTHEAD_BIN ;; esac

MASTHEAD_PID=
NGINX_PID=
CHILD_PID=

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Stops one process we started: TERM, up to 10 s, then KILL.
stop_pid() {
  local pid=$1 name=$2 sig=${3:-TERM} i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) did not stop within 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Runs a long command (always under `timeout`) in the background and waits for it, so that
# Ctrl-C or a TERM interrupts the wait at once and cleanup can stop it.
run_waiting() {
  local rc=0
  "$@" &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  return "$rc"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$CHILD_PID" "running step" TERM
  stop_pid "$MASTHEAD_PID" masthead TERM
  stop_pid "$NGINX_PID" nginx QUIT
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# CPU accounting, to tell how much of the machine other work took during the load runs.
# busy and total jiffies of all CPUs; a process's utime+stime (+ waited-for children with "self").
cpu_machine() { awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }
cpu_proc() {
  local pid=$1 children=${2:-}
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo 0; return; }
  sed 's/^.*) //' "/proc/$pid/stat" | awk -v c="$children" '{ print $12 + $13 + (c ? $14 + $15 : 0) }'
}
cpu_ours() { # masthead + nginx master and workers + this script's finished children (wrk, curl)
  local t=0 pid
  t=$(( t + $(cpu_proc "$MASTHEAD_PID") + $(cpu_proc $$ self) ))
  for pid in "$NGINX_PID" $(pgrep -P "$NGINX_PID" 2>/dev/null || true); do t=$(( t + $(cpu_proc "$pid") )); done
  echo "$t"
}

port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Database URL for humans: the password is never printed.
redact_url() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"; }

# ------------------------------------------------------------------------------------------------
# deps

need_install=()
command -v curl >/dev/null || need_install+=(curl)
command -v python3 >/dev/null || need_install+=(python3)
command -v wrk >/dev/null || need_install+=(wrk)
command -v nginx >/dev/null || need_install+=(nginx)
if [ ! -f "$BROTLI_MODULE" ]; then
  if [ "$INSTALL_DEPS" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-cache >/dev/null \
     && apt-cache policy libnginx-mod-http-brotli-static 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    need_install+=(libnginx-mod-http-brotli-static)
  fi
fi
if [ ${#need_install[@]} -gt 0 ]; then
  if [ "$INSTALL_DEPS" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${need_install[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 900 apt-get install -y -q "${need_install[@]}" >"$OUT/apt.log" 2>&1 \
      || { timeout 600 apt-get update -q >>"$OUT/apt.log" 2>&1 \
           && timeout 900 apt-get install -y -q "${need_install[@]}" >>"$OUT/apt.log" 2>&1; } \
      || log "apt-get install failed (see $OUT/apt.log)"
  fi
  for c in curl python3 wrk nginx; do
    command -v "$c" >/dev/null || die "$c is not installed (Debian: apt-get install -y wrk nginx curl python3)"
  done
fi
HAVE_BROTLI_STATIC=0
[ -f "$BROTLI_MODULE" ] && HAVE_BROTLI_STATIC=1
NGINX_VERSION=$(nginx -v 2>&1 | sed 's#^nginx version: ##')

for p in "$NGINX_PORT" $([ "$NGINX_ONLY" = 1 ] || echo "$MASTHEAD_PORT"); do
  ! port_busy "$p" || die "something is already listening on 127.0.0.1:$p; stop it or choose another port (MASTHEAD_PORT / NGINX_PORT)"
done

DB_DESC="SQLite in $DATA"
if [ -n "${MASTHEAD_DATABASE_URL:-}" ]; then
  case "$MASTHEAD_DATABASE_URL" in
    postgres://*|postgresql://*) DB_DESC="PostgreSQL at $(redact_url "$MASTHEAD_DATABASE_URL") (media in $DATA)" ;;
    *) DB_DESC="$(redact_url "$MASTHEAD_DATABASE_URL") (media in $DATA)" ;;
  esac
  export MASTHEAD_DATABASE_URL
fi

read -r b0 t0 < <(cpu_machine); sleep 1; read -r b1 t1 < <(cpu_machine)
IDLE_BUSY=$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }')
if [ "$IDLE_BUSY" -gt 10 ]; then
  log "WARNING: the CPUs are already ${IDLE_BUSY}% busy before the benchmark starts: the numbers will be noisy"
fi
IMPORT_DESC="n/a"
COLD_START_DESC="n/a"
RSS_DESC="n/a"

rm -rf "$PAGES" "$WRK_DIR"
mkdir -p "$PAGES" "$WRK_DIR"

if [ "$NGINX_ONLY" != 1 ]; then
  # ----------------------------------------------------------------------------------------------
  # build
  if [ "$SKIP_BUILD" = 1 ]; then
    log "build: skipped (SKIP_BUILD=1)"
  else
    command -v cargo >/dev/null || die "cargo is not on PATH: install Rust, or build elsewhere and run with SKIP_BUILD=1 MASTHEAD_BIN=/path/to/masthead"
    log "build: cargo build --release -p masthead"
    cd "$ROOT"
    run_waiting timeout "$BUILD_TIMEOUT" cargo build --release -p masthead || die "cargo build failed"
    cd "$OLDPWD"
  fi
  [ -x "$MASTHEAD_BIN" ] || die "masthead binary not found at $MASTHEAD_BIN: run 'cargo build --release -p masthead' in $ROOT (or unset SKIP_BUILD), or set MASTHEAD_BIN"
  MASTHEAD_VERSION=$("$MASTHEAD_BIN" --version 2>/dev/null | head -n1 || true)

  # ----------------------------------------------------------------------------------------------
  # corpus
  corpus_version=$(sed -n 's/^VERSION = \([0-9]*\).*/\1/p' "$BENCH_DIR/corpus.py")
  corpus_marker="articles=$ARTICLES seed=$SEED version=$corpus_version"
  if [ "$SKIP_CORPUS" = 1 ]; then
    log "corpus: skipped (SKIP_CORPUS=1)"
    [ -f "$CORPUS/site.toml" ] || die "SKIP_CORPUS=1 but there is no corpus in $CORPUS"
  elif [ "$REGEN_CORPUS" != 1 ] && [ "$(cat "$CORPUS/.corpus-complete" 2>/dev/null)" = "$corpus_marker" ]; then
    log "corpus: $CORPUS already holds $corpus_marker"
  else
    log "corpus: generating $ARTICLES articles (seed $SEED) into $CORPUS"
    run_waiting timeout 1800 python3 "$BENCH_DIR/corpus.py" --articles "$ARTICLES" --seed "$SEED" --out "$CORPUS" --force \
      || die "corpus generation failed"
  fi
  CORPUS_DESC="$(cat "$CORPUS/.corpus-complete" 2>/dev/null || echo unknown), $(du -sh "$CORPUS" 2>/dev/null | cut -f1) on disk"

  # ----------------------------------------------------------------------------------------------
  # import
  # The data is reused only by the very same binary (a rebuilt masthead may change the schema).
  bin_sum=$(sha256sum "$MASTHEAD_BIN" | cut -c1-16)
  import_marker="$(cat "$CORPUS/.corpus-complete" 2>/dev/null) db=$(redact_url "${MASTHEAD_DATABASE_URL:-sqlite}") bin=$bin_sum"
  if [ "$SKIP_IMPORT" = 1 ]; then
    log "import: skipped (SKIP_IMPORT=1)"
    IMPORT_DESC="skipped (SKIP_IMPORT=1)"
  elif [ "$REIMPORT" != 1 ] && [ "$(cat "$DATA/.bench-import" 2>/dev/null)" = "$import_marker" ]; then
    log "import: $DATA already holds this corpus, imported by this binary"
    IMPORT_DESC="$(cat "$OUT/import-time.txt" 2>/dev/null || echo '?') (from an earlier run; REIMPORT=1 to redo)"
  else
    if [ -n "${MASTHEAD_DATABASE_URL:-}" ]; then
      log "import: into $(redact_url "$MASTHEAD_DATABASE_URL") (import is idempotent by slug; articles already there from other corpora stay, so use an empty database)"
    fi
    rm -rf "$DATA"
    mkdir -p "$DATA"
    log "import: $MASTHEAD_BIN import $CORPUS --data $DATA"
    time_cmd=()
    [ -x /usr/bin/time ] && time_cmd=(/usr/bin/time -f '%M' -o "$OUT/import-maxrss-kb.txt")
    t0=$(now_ms)
    rc=0
    run_waiting timeout "$IMPORT_TIMEOUT" "${time_cmd[@]}" "$MASTHEAD_BIN" import "$CORPUS" --data "$DATA" \
      >"$OUT/import.log" 2>&1 || rc=$?
    tail -n 20 "$OUT/import.log" >&2
    [ "$rc" = 0 ] || die "masthead import failed (exit $rc; 124 = timed out after ${IMPORT_TIMEOUT}s); see $OUT/import.log"
    t1=$(now_ms)
    secs=$(awk -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
    rate=$(awk -v ms=$((t1 - t0)) -v n="$ARTICLES" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
    IMPORT_DESC="${secs} s for $ARTICLES articles ($rate articles/s)"
    if [ -s "$OUT/import-maxrss-kb.txt" ]; then
      IMPORT_DESC="$IMPORT_DESC, peak RSS $(( $(tail -n1 "$OUT/import-maxrss-kb.txt") / 1024 )) MiB"
    fi
    # The search index, built now as an operator would after a bulk import (`masthead
    # reindex`): without it the first start rebuilds it in the background, during the load,
    # and the figures measure the rebuild, not the serving (timed and reported apart).
    t0=$(now_ms)
    "$MASTHEAD_BIN" --data "$DATA" reindex >"$OUT/reindex.log" 2>&1 \
      || { tail -n 20 "$OUT/reindex.log" >&2; die "masthead reindex failed; see $OUT/reindex.log"; }
    t1=$(now_ms)
    IMPORT_DESC="$IMPORT_DESC; search index built in $(awk -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f", ms / 1000 }') s (masthead reindex)"
    echo "$IMPORT_DESC" >"$OUT/import-time.txt"
    echo "$import_marker" >"$DATA/.bench-import"
    log "import: $IMPORT_DESC"
  fi
  DATA_DESC="$(du -sh "$DATA" 2>/dev/null | cut -f1)"

  # ----------------------------------------------------------------------------------------------
  # serve + cold start
  log "serve: starting masthead on 127.0.0.1:$MASTHEAD_PORT"
  t0=$(now_ms)
  MASTHEAD_API_PER_MINUTE=$API_PER_MINUTE "$MASTHEAD_BIN" serve --listen "127.0.0.1:$MASTHEAD_PORT" --data "$DATA" >"$OUT/masthead.log" 2>&1 &
  MASTHEAD_PID=$!
  deadline=$(( t0 + START_TIMEOUT * 1000 ))
  code=000
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MASTHEAD_PORT/" || true)
    [ "$code" = 200 ] && break
    if ! kill -0 "$MASTHEAD_PID" 2>/dev/null; then
      tail -n 30 "$OUT/masthead.log" >&2 || true
      MASTHEAD_PID=
      die "masthead exited before serving / (log: $OUT/masthead.log)"
    fi
    [ "$(now_ms)" -lt "$deadline" ] || die "masthead did not answer 200 on / within ${START_TIMEOUT}s (last status $code; log: $OUT/masthead.log)"
    sleep 0.01
  done
  t1=$(now_ms)
  COLD_START_DESC="$(( t1 - t0 )) ms (process start to first 200 from /)"
  log "serve: cold start $COLD_START_DESC"
  # Work the start queued (the import's search-index job, the lead photos' variants) is done
  # before the load, so that the figures are of serving alone: wait (up to QUEUE_TIMEOUT s)
  # until /metrics counts no queued or running job that is due.
  t0=$(now_ms)
  while :; do
    busy=$(curl -s --max-time 5 "http://127.0.0.1:$MASTHEAD_PORT/metrics" \
      | awk '/^masthead_jobs_oldest_age_seconds\{status="(queued|running)"\}/ && $2 > 0 { n++ } END { print n + 0 }')
    [ "$busy" = 0 ] && break
    [ $(( $(now_ms) - t0 )) -lt $(( ${QUEUE_TIMEOUT:-600} * 1000 )) ] || { log "serve: WARNING: jobs still due after ${QUEUE_TIMEOUT:-600}s; measuring anyway"; break; }
    sleep 0.5
  done
  log "serve: job queue idle after $(( $(now_ms) - t0 )) ms"

  # ----------------------------------------------------------------------------------------------
  # capture
  fetch() { # fetch URL NAME [Accept-Encoding]: body, headers, Content-Encoding, header size
    local url=$1 name=$2 ae=${3:-} code hsize
    local args=(-s --max-time 30 -D "$PAGES/$name.headers" -o "$PAGES/$name.body" -w '%{http_code} %{size_header}\n')
    [ -n "$ae" ] && args+=(-H "Accept-Encoding: $ae")
    read -r code hsize < <(curl "${args[@]}" "$url" || echo "000 0")
    [ "$code" = 200 ] || die "GET $url (Accept-Encoding: ${ae:-none}) answered $code, not 200"
    tr -d '\r' <"$PAGES/$name.headers" | sed -n 's/^[Cc]ontent-[Ee]ncoding: *//p' | tail -n1 >"$PAGES/$name.enc"
    echo "$hsize" >"$PAGES/$name.hsize"
  }
  base="http://127.0.0.1:$MASTHEAD_PORT"
  fetch "$base/" front.identity
  if [ -n "${ARTICLE_PATH:-}" ]; then
    article_path=$ARTICLE_PATH
  else
    article_path=$(python3 "$BENCH_DIR/benchlib.py" pick-article "$PAGES/front.identity.body" --site "$CORPUS/site.toml") \
      || die "could not find an article link on the front page (saved in $PAGES/front.identity.body); set ARTICLE_PATH"
  fi
  echo "$article_path" >"$PAGES/article.path"
  log "capture: article $article_path"
  fetch "$base$article_path" article.identity
  fetch "$base/feed.xml" feed.identity
  fetch "$base$API_PATH" api.identity
  for enc in gzip br; do
    fetch "$base/" "front.$enc" "$enc"
    fetch "$base$article_path" "article.$enc" "$enc"
    fetch "$base/feed.xml" "feed.$enc" "$enc"
    fetch "$base$API_PATH" "api.$enc" "$enc"
  done
  # Pages must be byte-stable for nginx to stand in for them.
  for page in front article feed api; do
    p=/; [ "$page" = article ] && p=$article_path; [ "$page" = feed ] && p=/feed.xml; [ "$page" = api ] && p=$API_PATH
    curl -s --max-time 30 -o "$PAGES/$page.again" "$base$p" || true
    cmp -s "$PAGES/$page.identity.body" "$PAGES/$page.again" \
      || log "capture: WARNING: two fetches of $p differ; nginx serves the first one"
    rm -f "$PAGES/$page.again"
  done
else
  log "NGINX_ONLY=1: self-test with generated ~${DUMMY_KB} KB pages; masthead is not built, imported or started"
  python3 "$BENCH_DIR/benchlib.py" dummy-pages "$PAGES" --kb "$DUMMY_KB"
  for f in "$PAGES"/*.body; do echo 0 >"${f%.body}.hsize"; done
  MASTHEAD_VERSION="(not run)"
  CORPUS_DESC="(not used)"
  DATA_DESC="(not used)"
  DB_DESC="(not used)"
fi
ARTICLE_PATH=$(cat "$PAGES/article.path")
# The site feed (issue 18's target: /feed.xml ≥ 0.5× nginx) joins the pages when it was captured.
PAGE_LIST="article front"
[ -f "$PAGES/feed.identity.body" ] && PAGE_LIST="article front feed"
# So does the Content API's article list (issue 19's target: ≥ 0.5× nginx).
[ -f "$PAGES/api.identity.body" ] && PAGE_LIST="$PAGE_LIST api"
API_FILE=${API_PATH%%\?*}  # nginx serves the bytes at the path, whatever the query
page_path() { case $1 in article) echo "$ARTICLE_PATH" ;; feed) echo /feed.xml ;; api) echo "$API_PATH" ;; *) echo / ;; esac; }
case "$ARTICLE_PATH" in
  /*/*) ;;
  *) die "article path '$ARTICLE_PATH' is not of the form /section/slug" ;;
esac

# ------------------------------------------------------------------------------------------------
# nginx root: identical bytes at identical paths

rm -rf "$NGX_ROOT"
mkdir -p "$NGX_ROOT$(dirname "$ARTICLE_PATH")"
place() { # place PAGE FILE: the identity body, plus .gz/.br when masthead sent that encoding
  local page=$1 file=$2 enc
  cp "$PAGES/$page.identity.body" "$file"
  [ -z "$(cat "$PAGES/$page.identity.enc")" ] || die "masthead sent Content-Encoding $(cat "$PAGES/$page.identity.enc") to a request without Accept-Encoding"
  for enc in gzip br; do
    [ -f "$PAGES/$page.$enc.body" ] || continue
    case "$(cat "$PAGES/$page.$enc.enc")" in
      gzip) cp "$PAGES/$page.$enc.body" "$file.gz" ;;
      br) cp "$PAGES/$page.$enc.body" "$file.br" ;;
      "") ;;  # served identity: nginx does the same (no sibling file)
      *) log "nginx: $page answered '$enc' with Content-Encoding $(cat "$PAGES/$page.$enc.enc"); nginx cannot mirror that" ;;
    esac
  done
}
place front "$NGX_ROOT/index.html"
place article "$NGX_ROOT$ARTICLE_PATH"
[ -f "$PAGES/feed.identity.body" ] && place feed "$NGX_ROOT/feed.xml"
if [ -f "$PAGES/api.identity.body" ]; then
  mkdir -p "$NGX_ROOT$(dirname "$API_FILE")"
  place api "$NGX_ROOT$API_FILE"
fi
chmod -R a+rX "$NGX_ROOT"

mkdir -p "$NGX/tmp"
NGX_CONF=$NGX/nginx.conf
{
  [ "$HAVE_BROTLI_STATIC" = 1 ] && echo "load_module $BROTLI_MODULE;"
  cat <<EOF
# Generated by bench/run.sh: a static-file nginx tuned the usual way, for comparison with masthead.
worker_processes $NGINX_WORKERS;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    types { }
    default_type text/html;
    charset utf-8;
    gzip off;
    gzip_static on;
    gzip_vary on;
EOF
  [ "$HAVE_BROTLI_STATIC" = 1 ] && echo "    brotli_static on;"
  [ "$NGINX_OPEN_FILE_CACHE" = 1 ] && printf '    open_file_cache max=64 inactive=300s;\n    open_file_cache_valid 300s;\n'
  cat <<EOF
    client_body_temp_path $NGX/tmp/body;
    proxy_temp_path $NGX/tmp/proxy;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;

    server {
        listen 127.0.0.1:$NGINX_PORT default_server;
        root $NGX_ROOT;
        location = / {
            try_files /index.html =404;
        }
        location = /feed.xml {
            default_type application/rss+xml;
            try_files /feed.xml =404;
        }
        location = $API_FILE {
            default_type application/json;
            try_files $API_FILE =404;
        }
        location / {
            try_files \$uri =404;
        }
    }
}
EOF
} >"$NGX_CONF"

nginx -t -q -p "$NGX" -c "$NGX_CONF" -e "$NGX/error.log" || die "nginx rejected $NGX_CONF"
log "nginx: starting on 127.0.0.1:$NGINX_PORT ($NGINX_VERSION, brotli_static: $([ "$HAVE_BROTLI_STATIC" = 1 ] && echo yes || echo no))"
nginx -p "$NGX" -c "$NGX_CONF" -e "$NGX/error.log" -g 'daemon off;' &
NGINX_PID=$!
deadline=$(( $(now_ms) + 10000 ))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$NGINX_PORT/" || true)" = 200 ]; do
  kill -0 "$NGINX_PID" 2>/dev/null || { NGINX_PID=; die "nginx exited (see $NGX/error.log)"; }
  [ "$(now_ms)" -lt "$deadline" ] || die "nginx did not answer within 10 s (see $NGX/error.log)"
  sleep 0.05
done

# Every nginx response must be the bytes masthead sent, with the same Content-Encoding.
declare -A NGINX_OK
for page in $PAGE_LIST; do
  p=$(page_path "$page")
  for enc in identity gzip br; do
    [ -f "$PAGES/$page.$enc.body" ] || { NGINX_OK[$page.$enc]="n/a (no $enc bytes)"; continue; }
    want_ce=$(cat "$PAGES/$page.$enc.enc")
    if [ "$want_ce" = br ] && [ "$HAVE_BROTLI_STATIC" != 1 ]; then
      NGINX_OK[$page.$enc]="n/a (no brotli_static module)"; continue
    fi
    args=(-s --max-time 10 -D "$PAGES/nginx.$page.$enc.headers" -o "$PAGES/nginx.$page.$enc.body" -w '%{http_code} %{size_header}\n')
    [ "$enc" != identity ] && args+=(-H "Accept-Encoding: $enc")
    read -r code hsize < <(curl "${args[@]}" "http://127.0.0.1:$NGINX_PORT$p" || echo "000 0")
    echo "$hsize" >"$PAGES/nginx.$page.$enc.hsize"
    got_ce=$(tr -d '\r' <"$PAGES/nginx.$page.$enc.headers" | sed -n 's/^[Cc]ontent-[Ee]ncoding: *//p' | tail -n1)
    ctype=$(tr -d '\r' <"$PAGES/nginx.$page.$enc.headers" | sed -n 's/^[Cc]ontent-[Tt]ype: *//p' | tail -n1)
    want_type=text/html; [ "$page" = feed ] && want_type=application/rss+xml; [ "$page" = api ] && want_type=application/json
    if [ "$code" = 200 ] && [ "$got_ce" = "$want_ce" ] && [[ "$ctype" == "$want_type"* ]] \
       && cmp -s "$PAGES/$page.$enc.body" "$PAGES/nginx.$page.$enc.body"; then
      NGINX_OK[$page.$enc]=ok
    else
      die "nginx does not serve the same bytes for $p ($enc): status $code, Content-Encoding '${got_ce}' (want '${want_ce}'), Content-Type '$ctype'"
    fi
  done
done
log "nginx: serves byte-identical pages"

# ------------------------------------------------------------------------------------------------
# wrk

read -r busy0 total0 < <(cpu_machine)
ours0=$(cpu_ours)
RUNS=$OUT/runs.tsv
: >"$RUNS"
run_wrk() { # run_wrk NAME URL [Accept-Encoding]
  local name=$1 url=$2 ae=${3:-} hdr=()
  [ -n "$ae" ] && hdr=(-H "Accept-Encoding: $ae")
  if [ "$WARMUP" != 0 ]; then
    run_waiting timeout $(( WARMUP + 30 )) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${hdr[@]}" "$url" >/dev/null 2>&1 || true
  fi
  log "wrk: $name"
  run_waiting timeout $(( DURATION + 60 )) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${hdr[@]}" "$url" \
    >"$WRK_DIR/$name.txt" 2>&1 || log "wrk: $name failed (exit $?), see $WRK_DIR/$name.txt"
}
for page in $PAGE_LIST; do
  p=$(page_path "$page")
  for enc in identity gzip br; do
    ae=; [ "$enc" != identity ] && ae=$enc
    case_name="$page ($([ "$enc" = identity ] && echo 'no Accept-Encoding' || echo "Accept-Encoding: $enc"))"
    for server in masthead nginx; do
      if [ "$server" = masthead ]; then
        if [ "$NGINX_ONLY" = 1 ]; then
          printf '%s\t%s\t\t\t\t%s\n' "$case_name" masthead "n/a (NGINX_ONLY)" >>"$RUNS"; continue
        fi
        port=$MASTHEAD_PORT; src=$PAGES/$page.$enc
      else
        if [ "${NGINX_OK[$page.$enc]}" != ok ]; then
          printf '%s\t%s\t\t\t\t%s\n' "$case_name" nginx "${NGINX_OK[$page.$enc]}" >>"$RUNS"; continue
        fi
        port=$NGINX_PORT; src=$PAGES/nginx.$page.$enc
      fi
      served=$(cat "$PAGES/$page.$enc.enc"); served=${served:-identity}
      run_wrk "$page-$enc-$server" "http://127.0.0.1:$port$p" "$ae"
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$case_name" "$server" "$served" \
        "$(stat -c %s "$src.body")" "$(cat "$src.hsize")" "$WRK_DIR/$page-$enc-$server.txt" >>"$RUNS"
    done
  done
done

read -r busy1 total1 < <(cpu_machine)
ours1=$(cpu_ours)
OTHER_CPU=$(awk -v b=$((busy1 - busy0)) -v o=$((ours1 - ours0)) -v t=$((total1 - total0)) \
  'BEGIN { x = t > 0 ? 100 * (b - o) / t : 0; if (x < 0) x = 0; printf "%.1f", x }')
if awk -v x="$OTHER_CPU" 'BEGIN { exit !(x > 5) }'; then
  log "WARNING: other processes used ${OTHER_CPU}% of the CPUs during the wrk runs; the numbers are disturbed"
fi

# ------------------------------------------------------------------------------------------------
# report

if [ -n "$MASTHEAD_PID" ] && [ -r "/proc/$MASTHEAD_PID/status" ]; then
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$MASTHEAD_PID/status")
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$MASTHEAD_PID/status")
  RSS_DESC="peak $(( hwm / 1024 )) MiB (VmHWM after the runs), $(( rss / 1024 )) MiB resident at the end"
fi
ngx_hwm=0
for pid in "$NGINX_PID" $(pgrep -P "$NGINX_PID" 2>/dev/null || true); do
  v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
  ngx_hwm=$(( ngx_hwm + ${v:-0} ))
done

META=$OUT/meta.tsv
{
  if [ "$NGINX_ONLY" = 1 ]; then
    printf 'title\tnginx self-test (NGINX_ONLY=1): generated ~%s KB pages\n' "$DUMMY_KB"
  elif [ -n "${MASTHEAD_DATABASE_URL:-}" ]; then
    printf 'title\tMasthead page benchmark on PostgreSQL\n'
  else
    printf 'title\tMasthead page benchmark on SQLite\n'
  fi
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'machine\t%s cores, %s, %s\n' "$(nproc)" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" "$(uname -sr)"
  rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
  git -C "$ROOT" diff --quiet HEAD -- crates themes Cargo.toml Cargo.lock 2>/dev/null || rev="$rev with uncommitted changes"
  printf 'masthead\t%s (%s); repository at %s\n' "${MASTHEAD_VERSION:-?}" "$MASTHEAD_BIN" "$rev"
  printf 'database\t%s\n' "$DB_DESC"
  printf 'corpus\t%s; data dir %s\n' "$CORPUS_DESC" "$DATA_DESC"
  printf 'import\t%s\n' "$IMPORT_DESC"
  printf 'cold start\t%s\n' "$COLD_START_DESC"
  printf 'masthead memory\t%s\n' "$RSS_DESC"
  printf 'nginx\t%s, %s workers, sendfile, gzip_static%s, open_file_cache %s, peak RSS of all processes %s MiB\n' \
    "$NGINX_VERSION" "$NGINX_WORKERS" "$([ "$HAVE_BROTLI_STATIC" = 1 ] && echo ', brotli_static' || echo ', no brotli_static module')" \
    "$([ "$NGINX_OPEN_FILE_CACHE" = 1 ] && echo on || echo off)" "$(( ngx_hwm / 1024 ))"
  printf 'other CPU use\t%s%% of all CPUs was used by processes other than wrk, masthead and nginx during the wrk runs (the CPUs were %s%% busy in the second before the benchmark started)\n' \
    "$OTHER_CPU" "$IDLE_BUSY"
  printf 'article\t%s\n' "$ARTICLE_PATH"
  printf 'load\twrk -t%s -c%s -d%ss --latency (%s), client and servers on the same %s cores\n' \
    "$THREADS" "$CONNECTIONS" "$DURATION" "$([ "$WARMUP" = 0 ] && echo 'no warm-up' || echo "after a ${WARMUP}s warm-up")" "$(nproc)"
} >"$META"

python3 "$BENCH_DIR/benchlib.py" report "$RUNS" "$META" "$OUT/results.md"
log "results written to $OUT/results.md"

#!/usr/bin/env bash
# Web Push fan-out benchmark (issue 16): SUBSCRIBERS subscribers of "breaking" on SQLite, a
# push-service sink on loopback, `masthead push send` in a release build.
#
#   bash bench/push.sh                        # 1,000,000 subscribers
#   SUBSCRIBERS=100000 bash bench/push.sh     # smaller
#   SKIP_BUILD=1 bash bench/push.sh           # use the existing release binaries
#
# Steps:
#   build    cargo build --release -p masthead, and the examples push_sink and encrypt_rate of
#            masthead-push
#   data     a 12-article corpus (bench/corpus.py) imported into a fresh $OUT/data (SQLite), then
#            SUBSCRIBERS subscribers inserted in bulk (bench/push_subscribers.py: KEYS distinct real
#            P-256 keys reused round-robin, one auth secret and endpoint per subscriber)
#   rate     encrypt_rate: the machine's own RFC 8291 encryption rate, one thread and 2 threads
#   sink     push_sink on 127.0.0.1:$SINK_PORT (201 at once, no decryption; HTTP/1.1 or h2c)
#   send     MASTHEAD_PUSH_SERVICES=http://127.0.0.1:$SINK_PORT /usr/bin/time -v masthead push send
#   report   $OUT/results.md: total time, sends/s and its ratio to the 2-thread encryption rate,
#            peak RSS, confirm → first push received by the sink, the load average before and after
#
# Knobs: SUBSCRIBERS=1000000 KEYS=10000 SINK_PORT=18444 OUT=bench/out/push ENCRYPT_N=40000

set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
SUBSCRIBERS=${SUBSCRIBERS:-1000000}
KEYS=${KEYS:-10000}
SINK_PORT=${SINK_PORT:-18444}
ENCRYPT_N=${ENCRYPT_N:-40000}
SKIP_BUILD=${SKIP_BUILD:-0}
OUT=${OUT:-$BENCH_DIR/out/push}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/masthead
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

log() { printf '[push bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

SINK_PID=
cleanup() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true; }
trap cleanup EXIT

[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 1; }

if [ "$SKIP_BUILD" != 1 ]; then
    log "building (release)"
    (cd "$ROOT" && cargo build --release -p masthead -p masthead-push --bin masthead \
        --example push_sink --example encrypt_rate)
fi

log "data: corpus, import, $SUBSCRIBERS subscribers"
rm -rf "$OUT/data"
[ -f "$OUT/corpus/.corpus-complete" ] || python3 "$BENCH_DIR/corpus.py" --articles 12 --seed 1 --out "$OUT/corpus" --force >/dev/null
"$BIN" import "$OUT/corpus" --data "$OUT/data" >/dev/null
python3 "$BENCH_DIR/push_subscribers.py" --db "$OUT/data/masthead.db" --count "$SUBSCRIBERS" \
    --keys "$KEYS" --endpoint "http://127.0.0.1:$SINK_PORT/push/"
SLUG=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT slug FROM articles WHERE status = 'published' ORDER BY published_at DESC LIMIT 1\").fetchone()[0])" "$OUT/data/masthead.db")

LOAD_BEFORE=$(loadavg)
log "encryption rate (load $LOAD_BEFORE)"
RATE=$("$TARGET/release/examples/encrypt_rate" "$ENCRYPT_N" 2)
echo "$RATE" >"$OUT/encrypt_rate.json"

log "sink on 127.0.0.1:$SINK_PORT"
"$TARGET/release/examples/push_sink" "127.0.0.1:$SINK_PORT" >"$OUT/sink.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 100); do grep -q LISTENING "$OUT/sink.log" && break; sleep 0.1; done
grep -q LISTENING "$OUT/sink.log" || { echo "the sink did not start" >&2; cat "$OUT/sink.log" >&2; exit 1; }

LOAD_SEND=$(loadavg)
log "masthead push send $SLUG (load $LOAD_SEND)"
MASTHEAD_PUSH_SERVICES="http://127.0.0.1:$SINK_PORT" RUST_LOG=warn \
    /usr/bin/time -v -o "$OUT/time.txt" "$BIN" push send "$SLUG" --data "$OUT/data" >"$OUT/send.log" 2>&1
LOAD_AFTER=$(loadavg)
curl -s "http://127.0.0.1:$SINK_PORT/stats" >"$OUT/sink.json"

python3 - "$OUT" "$SUBSCRIBERS" "$KEYS" "$LOAD_BEFORE" "$LOAD_SEND" "$LOAD_AFTER" <<'PY'
import json, re, sqlite3, sys
out, n, keys, load_before, load_send, load_after = sys.argv[1:]
n = int(n)
rate = json.load(open(out + "/encrypt_rate.json"))
sink = json.load(open(out + "/sink.json"))
time_txt = open(out + "/time.txt").read()
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_txt).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", time_txt).group(1)
secs = 0.0
for part in wall.split(":"):
    secs = secs * 60 + float(part)
db = sqlite3.connect(out + "/data/masthead.db")
created, first, finished, sent, expired, failed, retried = db.execute(
    "SELECT created_at, first_sent_at, finished_at, sent, expired, failed, retried FROM push_alerts ORDER BY created_at DESC LIMIT 1").fetchone()
fanout = (finished - created) / 1000
per_s = sent / fanout
lines = [
    "| figure | value | target |",
    "|---|---|---|",
    "| subscribers | %d (%s distinct P-256 keys) | 1,000,000 |" % (n, keys),
    "| sent / expired / failed / retried | %d / %d / %d / %d | all sent |" % (sent, expired, failed, retried),
    "| pushes received by the sink | %d (HTTP/1.1 %d, HTTP/2 %d; %d connections) | = sent |" % (sink["pushes"], sink["http1"], sink["http2"], sink["connections"]),
    "| confirm → all sent (alert created → finished) | %.1f s | < 60 s |" % fanout,
    "| `masthead push send` wall time (process start to exit) | %.1f s | |" % secs,
    "| sends per second | %.0f | |" % per_s,
    "| RFC 8291 encryption rate, 1 thread / 2 threads (same run) | %d / %d per s | |" % (rate["one_thread_per_s"], rate["all_threads_per_s"]),
    "| sends/s ÷ 2-thread encryption rate | %.2f | ≥ 0.6 |" % (per_s / rate["all_threads_per_s"]),
    "| confirm → first push received by the sink | %d ms | < 1 s |" % (sink["first_ms"] - created),
    "| peak RSS of `masthead push send` | %.0f MB | < 250 MB |" % (rss_kb / 1024),
    "| load average before / at the send / after | %s / %s / %s | |" % (load_before, load_send, load_after),
]
report = "\n".join(lines) + "\n"
open(out + "/results.md", "w").write(report)
print(report)
PY

#!/usr/bin/env bash
# Registration-wall benchmark (issue: the registration wall). On the demo newspaper:
#   metered  — a metered article for a reader with meter left (no cookie: the meter counts the
#              article and a new signed cookie is set; the costlier of the open paths)
#   walled   — the same article for a reader whose meter is spent (signed cookie verified, the
#              cached walled page served)
#   free     — a free article, for reference (no meter work at all)
# Target: walled ≥ 90% of metered req/s at 64 connections.
# Knobs: DURATION=15 CONNECTIONS=64 THREADS=2 PORT=18091 OUT=bench/out/wall MASTHEAD_BIN=…
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18091}
OUT=${OUT:-bench/out/wall}
BIN=${MASTHEAD_BIN:-${CARGO_TARGET_DIR:-target}/release/masthead}
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
if [ ! -x "$BIN" ]; then
  echo "building $BIN (cargo build --release -p masthead)"; cargo build --release -p masthead
fi
rm -rf "$OUT"; mkdir -p "$OUT"
RUST_LOG=warn "$BIN" --data "$OUT/data" serve --demo --listen "127.0.0.1:$PORT" > "$OUT/masthead.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -o /dev/null "$BASE/healthz" && break; sleep 0.1; done

# Find a metered article (the target), five other metered ones (to spend a meter) and a free one.
mapfile -t LINKS < <(for s in "" city world business science culture sport; do curl -s "$BASE/$s"; done \
  | grep -o 'href="/[a-z0-9-]*/[a-z0-9-]*"' | sed 's/href="//; s/"$//' | grep -v '^/static/\|^/media/\|^/tag/\|^/author/' | sort -u)
TARGET=""; FREE=""; SPENT_JAR="$OUT/spent.jar"; COUNTED=0
for link in "${LINKS[@]}"; do
  page=$(curl -s "$BASE$link")
  if grep -q 'class="meter-notice"' <<<"$page"; then
    if [ -z "$TARGET" ]; then TARGET=$link; continue; fi
    if [ "$COUNTED" -lt 5 ]; then curl -s -o /dev/null -b "$SPENT_JAR" -c "$SPENT_JAR" "$BASE$link"; COUNTED=$((COUNTED + 1)); fi
  elif grep -q '"isAccessibleForFree":true' <<<"$page" && [ -z "$FREE" ]; then
    FREE=$link
  fi
done
[ -n "$TARGET" ] && [ -n "$FREE" ] && [ "$COUNTED" -ge 5 ] || { echo "could not find metered and free demo articles" >&2; exit 1; }
SPENT=$(awk '$6 == "mh_meter" {print $7}' "$SPENT_JAR")
# (Pages are read into variables first: `curl | grep -q` fails under pipefail when grep exits early.)
walled_page=$(curl -s -H "Cookie: mh_meter=$SPENT" "$BASE$TARGET")
grep -q "Register for free and continue reading" <<<"$walled_page" || { echo "the spent meter did not wall $TARGET" >&2; exit 1; }
open_page=$(curl -s "$BASE$TARGET")
grep -q 'class="meter-notice"' <<<"$open_page" || { echo "$TARGET is not metered" >&2; exit 1; }
echo "target $TARGET (walled page ${#walled_page} characters, open ${#open_page}); free $FREE"

run() { # name, extra wrk args...
  local name=$1; shift
  echo "== $name"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" | tee "$OUT/$name.txt"
}
run metered "$BASE$TARGET"
run walled -H "Cookie: mh_meter=$SPENT" "$BASE$TARGET"
run free "$BASE$FREE"

rps() { awk '/Requests\/sec/ {print $2}' "$OUT/$1.txt"; }
p99() { awk '$1 == "99%" {print $2}' "$OUT/$1.txt"; }
echo
echo "| reader | req/s | p99 |"
echo "|---|---|---|"
for n in metered walled free; do echo "| $n | $(rps $n) | $(p99 $n) |"; done
python3 -c "import sys; w, m = float(sys.argv[1]), float(sys.argv[2]); print(f'walled / metered = {w/m:.2f} (target >= 0.90)')" "$(rps walled)" "$(rps metered)"
echo "RSS after: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"

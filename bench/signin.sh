#!/usr/bin/env bash
# Sign-in benchmark (reader accounts issue):
#   1. POST /register with fresh addresses at 32 connections: time until the email is queued
#      (the response is sent after the request row and its email job are committed).
#   2. The emails land in DATA/outbox/ (no SMTP); their link tokens are extracted, then
#      POST /sign-in/link spends them at 32 connections: link verifications per second
#      (each one creates the account and a session).
# Knobs: DURATION=15 CONNECTIONS=32 THREADS=2 PORT=18090 OUT=bench/out/signin MASTHEAD_BIN=…
#        MASTHEAD_DATABASE_URL=postgres://… to run on PostgreSQL (use an empty database).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18090}
OUT=${OUT:-bench/out/signin}
BIN=${MASTHEAD_BIN:-${CARGO_TARGET_DIR:-target}/release/masthead}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
if [ ! -x "$BIN" ]; then
  echo "building $BIN (cargo build --release -p masthead)"; cargo build --release -p masthead
fi
rm -rf "$OUT"; mkdir -p "$OUT"
# The per-IP limits would stop a benchmark whose clients all come from 127.0.0.1.
export MASTHEAD_RATE_EMAILS_PER_IP=100000000 MASTHEAD_RATE_ATTEMPTS_PER_IP=100000000
RUST_LOG=warn "$BIN" --data "$OUT/data" serve --listen "127.0.0.1:$PORT" > "$OUT/masthead.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done

echo "== POST /register (email queued), $CONNECTIONS connections, ${DURATION}s"
timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/signin.lua "http://127.0.0.1:$PORT" | tee "$OUT/register.txt"

echo "== waiting for the job worker to write the emails"
EXPECTED=$(awk '/requests in/ {print $1}' "$OUT/register.txt")
for _ in $(seq 1 600); do
  N=$(find "$OUT/data/outbox" -name '*.eml' 2>/dev/null | wc -l)
  [ "$N" -ge "$EXPECTED" ] && break
  sleep 1
done
echo "emails in the outbox: $(find "$OUT/data/outbox" -name '*.eml' | wc -l) of $EXPECTED requests"
python3 - "$OUT/data/outbox" > "$OUT/tokens.txt" <<'PY'
import email, os, re, sys
from email import policy
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if not name.endswith(".eml"):
        continue
    msg = email.message_from_binary_file(open(os.path.join(d, name), "rb"), policy=policy.default)
    text = msg.get_body(preferencelist=("plain",)).get_content()
    m = re.search(r"/sign-in/link\?token=([A-Za-z0-9_-]{43})", text)
    if m:
        print(m.group(1))
PY
TOKENS_N=$(wc -l < "$OUT/tokens.txt")
echo "tokens: $TOKENS_N"

echo "== POST /sign-in/link (spend a token: create the account and a session), $CONNECTIONS connections"
# Run for as long as the tokens last at ~5,000/s, at most DURATION seconds (a thread that runs
# out sends dead tokens, answered 410 and not counted below).
LINK_SECS=$(( TOKENS_N / 5000 )); [ "$LINK_SECS" -lt 2 ] && LINK_SECS=2; [ "$LINK_SECS" -gt "$DURATION" ] && LINK_SECS=$DURATION
TOKENS="$OUT/tokens.txt" THREADS="$THREADS" timeout $((LINK_SECS + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${LINK_SECS}s" --latency -s bench/links.lua "http://127.0.0.1:$PORT" | tee "$OUT/links.txt"
SESSIONS=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^masthead_registrations_total/ {print $2}')
echo "accounts created by link (masthead_registrations_total): ${SESSIONS:-0} in ${LINK_SECS}s"
python3 - "$OUT/links.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
total = int(re.search(r"(\d+) requests in ([\d.]+)s", t).group(1))
secs = float(re.search(r"(\d+) requests in ([\d.]+)s", t).group(2))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
bad = int(bad.group(1)) if bad else 0
print(f"links spent (303): {total - bad} in {secs:.2f}s = {(total - bad) / secs:.0f}/s; dead or replayed: {bad}")
PY

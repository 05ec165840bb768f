#!/usr/bin/env bash
# Comments benchmark (comments issue), on SQLite with the demo newspaper:
#   1. Seeds one article with 500 comments (and replies) through the real POST route.
#   2. GET the article page with 500 comments vs an article page with none (the article page
#      is cached by content epoch; comments never invalidate it).
#   3. GET the thread page (page 1 of 25) anonymously (cached per thread version) and signed
#      in (per-request render from the cached thread data, the reader's likes read per request).
#   4. GET a metered article anonymously (no cookie: the meter counts it and sets a cookie) and
#      signed in (the session from the node's session cache, no meter): the refit issue's
#      signed-in target is ≥ 0.8× anonymous; the signed-in thread page's is ≥ 0.5× anonymous.
#   5. POST comments at 32 connections, rotating 64 signed-in readers: posting latency
#      (one read for the reader; the write, with its rate count, checks, counts and thread
#      version, shares a transaction with the posts waiting at the same moment).
# Knobs: DURATION=15 CONNECTIONS=32 THREADS=2 PORT=18091 OUT=bench/out/comments MASTHEAD_BIN=…
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18091}
OUT=${OUT:-bench/out/comments}
BIN=${MASTHEAD_BIN:-${CARGO_TARGET_DIR:-target}/release/masthead}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
if [ ! -x "$BIN" ]; then
  echo "building $BIN (cargo build --release -p masthead)"; cargo build --release -p masthead
fi
rm -rf "$OUT"; mkdir -p "$OUT"
export MASTHEAD_COMMENTS_CLOSE_AFTER_DAYS=0
RUST_LOG=warn "$BIN" --data "$OUT/data" serve --demo --listen "127.0.0.1:$PORT" > "$OUT/masthead.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done

# Readers with sessions, written straight into the database (signing in is bench/signin.sh's
# subject); no posting limit for them; two articles to compare.
python3 - "$OUT/data/masthead.db" "$OUT" <<'PY'
import hashlib, secrets, sqlite3, sys, time, uuid
db, out = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db, timeout=30)
now = int(time.time() * 1000)
tokens = []
for i in range(64):
    rid = str(uuid.uuid4()); tok = secrets.token_urlsafe(32); tokens.append(tok)
    con.execute("INSERT INTO readers (id, email, email_key, display_name, daily_edition, terms_version, terms_accepted_at, created_at) VALUES (?, ?, ?, ?, 0, '2026-11', ?, ?)",
                (rid, f"bench{i}@bench.example", f"bench{i}@bench.example", f"Bench reader {i}", now, now))
    con.execute("INSERT INTO sessions (id_hash, reader_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
                (hashlib.sha256(tok.encode()).hexdigest(), rid, now, now + 86400000 * 30, now))
con.execute("INSERT INTO settings (key, value) VALUES ('comments.per_minute', '100000000') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
con.execute("INSERT INTO settings (key, value) VALUES ('comments.hold_links', '0') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
con.commit()
rows = con.execute("SELECT s.slug, a.slug FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.status = 'published' ORDER BY a.published_at DESC LIMIT 3").fetchall()
rows += con.execute("SELECT s.slug, a.slug FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.status = 'published' AND a.access = 'metered' ORDER BY a.published_at DESC LIMIT 1").fetchall()
open(f"{out}/sessions.txt", "w").write("\n".join(tokens) + "\n")
open(f"{out}/articles.txt", "w").write("\n".join(f"/{s}/{a}" for s, a in rows) + "\n")
PY
# Nodes keep the moderation settings for up to a second: let the lifted limit reach it.
sleep 1.5
BUSY=$(sed -n 1p "$OUT/articles.txt"); QUIET=$(sed -n 2p "$OUT/articles.txt"); POSTS=$(sed -n 3p "$OUT/articles.txt"); METERED=$(sed -n 4p "$OUT/articles.txt")
CSRF=benchbenchbenchbenchbenchbenchbenchbench123

echo "== seeding 500 comments on $BUSY"
python3 - "$PORT" "$BUSY/comments" "$OUT/sessions.txt" <<'PY'
import http.client, sys, urllib.parse
port, path, sessions = int(sys.argv[1]), sys.argv[2], open(sys.argv[3]).read().split()
csrf = "benchbenchbenchbenchbenchbenchbenchbench123"
conn = http.client.HTTPConnection("127.0.0.1", port)
parents = []
for i in range(500):
    tok = sessions[i % len(sessions)]
    form = {"csrf": csrf, "text": f"Seeded comment {i}: the *harbour* plan deserves a closer look.\n\nSecond paragraph {i}."}
    if i % 5 == 4 and parents:
        form["parent"] = parents[-1]
    conn.request("POST", path, urllib.parse.urlencode(form), {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"mh_csrf={csrf}; mh_session={tok}"})
    r = conn.getresponse(); r.read()
    assert r.status == 303, (i, r.status)
    loc = r.getheader("Location")
    if "#c-" in loc and i % 5 != 4:
        parents.append(loc.split("#c-")[1])
print("seeded 500")
PY
SESSION=$(sed -n 1p "$OUT/sessions.txt")
curl -sf -o /dev/null "http://127.0.0.1:$PORT$BUSY/comments" || { echo "thread page failed" >&2; exit 1; }
sleep 2 # the article pages pick up nothing from comments; let the epoch poll settle anyway

run() { # name, url, extra wrk args…
  local name=$1 url=$2; shift 2
  echo "== GET $url ($name), $CONNECTIONS connections, ${DURATION}s"
  timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Accept-Encoding: br" "$@" "http://127.0.0.1:$PORT$url" | tee "$OUT/$name.txt"
}
run article-500 "$BUSY"
run article-0 "$QUIET"
run thread-anonymous "$BUSY/comments"
run thread-signed-in "$BUSY/comments" -H "Cookie: mh_csrf=$CSRF; mh_session=$SESSION"
run metered-anonymous "$METERED"
run metered-signed-in "$METERED" -H "Cookie: mh_session=$SESSION"
rps() { awk '/Requests\/sec/ {print $2}' "$OUT/$1.txt"; }
python3 - "$(rps thread-signed-in)" "$(rps thread-anonymous)" "$(rps metered-signed-in)" "$(rps metered-anonymous)" <<'PY'
import sys
ts, ta, ms, ma = map(float, sys.argv[1:])
print(f"signed-in / anonymous: thread page {ts / ta:.2f} (target >= 0.5), metered article {ms / ma:.2f} (target >= 0.8)")
PY

echo "== POST $POSTS/comments, $CONNECTIONS connections, ${DURATION}s"
SESSIONS="$OUT/sessions.txt" THREAD="$POSTS/comments" timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/comments_post.lua "http://127.0.0.1:$PORT" | tee "$OUT/post.txt"
python3 - "$OUT/data/masthead.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print("comments stored:", con.execute("SELECT COUNT(*) FROM comments").fetchone()[0],
      "by status:", con.execute("SELECT status, COUNT(*) FROM comments GROUP BY status").fetchall())
PY

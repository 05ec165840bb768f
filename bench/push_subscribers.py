#!/usr/bin/env python3
"""Inserts N Web Push subscribers of the topic "breaking" into a Masthead SQLite database, in
bulk, for bench/push.sh.

Keys: a pool of --keys distinct real P-256 key pairs (generated here with `cryptography`),
reused round-robin; every subscriber has its own random 16-byte auth secret and its own
endpoint (--endpoint + a per-subscriber path). A push costs the same whichever key it is for
(one ephemeral ECDH per message), so the pool does not flatter the figures.

last_used_at is two days ago, so that every delivery also refreshes it (the fan-out's daily
write per subscriber): the worst case, the first alert of a day.

    python3 bench/push_subscribers.py --db DATA/masthead.db --count 1000000 --keys 10000 \
        --endpoint http://127.0.0.1:18444/push/
"""

import argparse
import base64
import os
import sqlite3
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--keys", type=int, default=10_000)
    ap.add_argument("--endpoint", required=True)
    a = ap.parse_args()

    keys = []
    for _ in range(a.keys):
        pub = ec.generate_private_key(ec.SECP256R1()).public_key()
        keys.append(b64(pub.public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)))
    now = int(time.time() * 1000)
    used = now - 2 * 86_400_000
    db = sqlite3.connect(a.db)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("DELETE FROM push_topics")
    db.execute("DELETE FROM push_subscriptions")
    auth = os.urandom(16 * a.count)

    def rows():
        for i in range(a.count):
            # Ids sort as UUIDv7s do (by time, then randomness): a fixed-width counter.
            sid = "0195e2c1-0000-7000-8000-%012d" % i
            yield (sid, "%s%s" % (a.endpoint, sid), keys[i % len(keys)],
                   b64(auth[16 * i:16 * i + 16]), now - (a.count - i), used)

    db.executemany(
        "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, reader_id, failures, created_at, last_used_at) "
        "VALUES (?, ?, ?, ?, NULL, 0, ?, ?)", rows())
    db.execute("INSERT INTO push_topics (topic, subscription_id) SELECT 'breaking', id FROM push_subscriptions")
    db.commit()
    n = db.execute("SELECT COUNT(*) FROM push_topics WHERE topic = 'breaking'").fetchone()[0]
    db.close()
    print("inserted %d subscribers (%d distinct keys)" % (n, len(keys)))


if __name__ == "__main__":
    main()

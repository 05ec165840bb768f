#!/usr/bin/env python3
"""Sitemaps of a large archive (issue 18): N published articles written straight into a fresh
SQLite database (6 sections, 40 authors, 200 tags, two tags an article), then the time of each
sitemap document from a running `masthead serve`, first render and cached.

    python3 bench/sitemaps.py [--articles 100000] [--bin target/release/masthead]

Bodies are one short paragraph: sitemaps never read them. Standard library only, plus curl.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sqlite3
import tempfile
import time
import uuid


def fill(db, n):
    con = sqlite3.connect(db)
    now = int(time.time() * 1000)
    cur = con.cursor()
    sections = ["city", "world", "business", "science", "culture", "sport"]
    for i, s in enumerate(sections):
        cur.execute("INSERT INTO sections (id, slug, name, description, position, created_at) VALUES (?,?,?,?,?,?)",
                    (f"s{i}", s, s.title(), "", i, now))
    for i in range(40):
        cur.execute("INSERT INTO authors (id, slug, name, bio, created_at) VALUES (?,?,?,?,?)",
                    (f"a{i}", f"author-{i}", f"Author {i}", "", now))
    for i in range(200):
        cur.execute("INSERT INTO tags (id, slug, name) VALUES (?,?,?)", (f"t{i}", f"tag-{i}", f"Tag {i}"))
    rows = []
    for k in range(n):
        pub = now - (n - k) * 60_000
        rows.append((str(uuid.UUID(int=k + 1)), f"article-number-{k}-about-the-harbour-and-the-city",
                     f"Headline {k}", "Standfirst", "Body", "<p>Body</p>", "Body", f"s{k % 6}",
                     "published", "free", 0, pub, None, pub, pub))
    cur.executemany("INSERT INTO articles (id, slug, headline, standfirst, body_markdown, body_html, body_text, "
                    "section_id, status, access, breaking, published_at, revised_at, updated_at, created_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    cur.executemany("INSERT INTO article_authors (article_id, author_id, position) VALUES (?,?,0)",
                    [(r[0], f"a{i % 40}") for i, r in enumerate(rows)])
    tags = [(r[0], f"t{i % 200}") for i, r in enumerate(rows)]
    tags += [(r[0], f"t{(i * 7 + 1) % 200}") for i, r in enumerate(rows) if (i * 7 + 1) % 200 != i % 200]
    cur.executemany("INSERT INTO article_tags (article_id, tag_id) VALUES (?,?)", tags)
    cur.execute("UPDATE site_state SET value = value + 1 WHERE key = 'content_epoch'")
    con.commit()


def timed(url, encoding=None):
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}"]
    if encoding:
        args += ["-H", f"accept-encoding: {encoding}"]
    code, size, secs = subprocess.check_output(args + [url], text=True).split()
    return int(code), int(size), float(secs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--bin", default="target/release/masthead")
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="masthead-sitemaps-")
    try:
        subprocess.run([a.bin, "--data", data, "migrate"], check=True, capture_output=True)
        t = time.time()
        fill(os.path.join(data, "masthead.db"), a.articles)
        print(f"{a.articles} articles written in {time.time() - t:.1f} s")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = dict(os.environ, MASTHEAD_PUBLIC_URL="https://news.example", RUST_LOG="warn")
        server = subprocess.Popen([a.bin, "--data", data, "serve", "--listen", f"127.0.0.1:{port}"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if timed(base + "/healthz")[0] == 200:
                        break
                except subprocess.CalledProcessError:
                    pass
                time.sleep(0.1)
            # Let the background search rebuild of the archive finish first.
            time.sleep(float(os.environ.get("SETTLE_SECS", "15")))
            pages = ["/sitemap.xml"] + [f"/sitemaps/{i}.xml" for i in range(1, a.articles // 50_000 + 2)]
            pages.append("/sitemap-news.xml")
            total = 0.0
            print("| document | status | bytes | first (s) | cached (s) | brotli first (s) |")
            print("|---|---|---|---|---|---|")
            for p in pages:
                code, size, first = timed(base + p)
                _, _, again = timed(base + p)
                _, _, br = timed(base + p, "br")
                total += first
                print(f"| {p} | {code} | {size} | {first:.3f} | {again:.4f} | {br:.3f} |")
            print(f"all sitemaps, first render: {total:.2f} s")
        finally:
            server.terminate()
            server.wait()
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

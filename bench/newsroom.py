#!/usr/bin/env python3
"""Helpers for bench/newsroom.sh (standard library only).

    newsroom.py sign-in BASE OUTBOX EMAILS.txt SESSIONS.txt
        each address asks for a link at POST /register (the bench browser keeps its mh_bind
        cookie), the link is read from the .eml the worker writes to OUTBOX, and POST
        /sign-in/link spends it in the same browser: one staff session per address
    newsroom.py drafts BASE SESSIONS.txt CORPUS EDITORS.tsv
        each editor creates a draft through the newsroom form (POST /newsroom/articles), reads its
        revision from the editor page, and gets an autosave body (JSON) for newsroom_autosave.lua
    newsroom.py check-autosave BASE EDITORS.tsv
        after the load: every editor's autosave holds text the load sent, the articles unchanged
    newsroom.py list-urls BASE SESSION CORPUS URLS.tsv
        the article-list pages to load: first page, filtered, a deep page (followed by its links)
    newsroom.py publish SESSION CORPUS COUNT OUT.tsv BASE [BASE...]
        publish COUNT articles one after another through the newsroom (alternating nodes) and
        poll the article page, front page, section page and search on every node until each
        shows it; one line per article with the time to visible everywhere
    newsroom.py report META.tsv OUT.md
        the results table, from the wrk outputs and publish TSV that META.tsv names
"""

import email
import http.client
import json
import os
import random
import re
import sys
import time
import urllib.parse
from email import policy

sys.dont_write_bytecode = True  # no bench/__pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import fmt_ms, parse_wrk  # noqa: E402

# Any token-shaped value works for the double-submit CSRF check, as long as cookie and field match.
CSRF = "benchbenchbenchbenchbenchbenchbenchbench123"
# The autosave body's counter, replaced by newsroom_autosave.lua in each request.
MARK = "@@N@@"


class Browser:
    """One keep-alive connection and a cookie jar (name -> value; no paths, no expiry)."""

    def __init__(self, base, cookies=None):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.cookies = {"mh_csrf": CSRF, **(cookies or {})}
        self.conn = None

    def request(self, method, path, body=None, headers=None, cookies=True):
        headers = dict(headers or {})
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body, headers)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for c in r.msg.get_all("Set-Cookie") or []:
            name, _, rest = c.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in c:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return r.status, r.getheader("Location") or "", data.decode("utf-8", "replace")

    def get(self, path, cookies=True):
        return self.request("GET", path, cookies=cookies)

    def post_form(self, path, fields):
        body = urllib.parse.urlencode({"csrf": CSRF, **fields})
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


def site(corpus):
    text = open(os.path.join(corpus, "site.toml"), encoding="utf-8").read()
    sections = re.findall(r'\[\[sections\]\]\s*slug\s*=\s*"([^"]+)"', text)
    authors = re.findall(r'\[\[authors\]\]\s*slug\s*=\s*"([^"]+)"', text)
    return sections, authors


def corpus_bodies(corpus, n):
    """The Markdown bodies of the first `n` corpus articles (front matter cut off)."""
    names = sorted(os.listdir(os.path.join(corpus, "articles")))[:n]
    out = []
    for name in names:
        text = open(os.path.join(corpus, "articles", name), encoding="utf-8").read()
        out.append(text.split("\n---\n", 1)[1].strip())
    return out


def read_links(outbox, seen):
    """email address -> sign-in token, from the .eml files in `outbox` not in `seen`."""
    found = {}
    if not os.path.isdir(outbox):
        return found
    for name in sorted(os.listdir(outbox)):
        if not name.endswith(".eml") or name in seen:
            continue
        with open(os.path.join(outbox, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=policy.default)
        text = msg.get_body(preferencelist=("plain",)).get_content()
        m = re.search(r"/sign-in/link\?token=([A-Za-z0-9_-]{43})", text)
        if m:
            seen.add(name)
            found[str(msg["To"]).strip().strip("<>").lower()] = m.group(1)
    return found


def sign_in(base, outbox, emails_file, sessions_file):
    emails = open(emails_file).read().split()
    seen = set(os.listdir(outbox)) if os.path.isdir(outbox) else set()
    browsers = {}
    for e in emails:
        b = Browser(base)
        status, loc, _ = b.post_form("/register", {"email": e})
        assert status == 303 and "mh_bind" in b.cookies, (e, status, loc)
        browsers[e] = b
    tokens = {}
    deadline = time.monotonic() + 120
    while len(tokens) < len(emails):
        tokens.update(read_links(outbox, seen))
        if time.monotonic() > deadline:
            sys.exit(f"sign-in: {len(tokens)} of {len(emails)} emails reached {outbox} in 120 s")
        time.sleep(0.2)
    sessions = []
    for e in emails:
        b = browsers[e]
        status, loc, _ = b.post_form("/sign-in/link", {"token": tokens[e.lower()]})
        assert status == 303 and "mh_session" in b.cookies, (e, status, loc)
        status, _, page = b.get("/newsroom/articles")
        assert status == 200, (e, status, page[:300])
        sessions.append(b.cookies["mh_session"])
    open(sessions_file, "w").write("\n".join(sessions) + "\n")
    print(f"{len(sessions)} staff sessions, each from its own emailed link")


def form_fields(headline, body, section, author, **extra):
    return {"headline": headline, "standfirst": "Written by the newsroom benchmark.", "body": body,
            "section": section, "tags": "", "authors": author, "access": "metered", **extra}


def drafts(base, sessions_file, corpus, editors_file):
    sessions = open(sessions_file).read().split()
    sections, authors = site(corpus)
    bodies = corpus_bodies(corpus, len(sessions))
    run = int(time.time())
    lines = []
    for i, tok in enumerate(sessions):
        b = Browser(base, {"mh_session": tok})
        section, author = sections[i % len(sections)], authors[i % len(authors)]
        headline = f"Autosave benchmark draft {i + 1} ({run})"
        f = form_fields(headline, bodies[i], section, author, action="save")
        status, loc, page = b.post_form("/newsroom/articles", f)
        assert status == 303 and "notice=created" in loc, (status, loc, page[:500])
        path = urllib.parse.urlsplit(loc).path
        status, _, page = b.get(path)
        assert status == 200, (path, status)
        revision = int(re.search(r'name="revision" value="(\d+)"', page).group(1))
        draft = {"headline": headline, "kicker": "", "standfirst": f["standfirst"],
                 "body": bodies[i] + f"\n\nAutosaved text {MARK}.", "section": section, "tags": "",
                 "authors": author, "byline": "", "access": "metered", "breaking": False, "slug": "",
                 "seo_title": "", "seo_description": ""}
        body = json.dumps({"revision": revision, "draft": draft}, ensure_ascii=True)
        assert "\t" not in body and "\n" not in body
        lines.append(f"{tok}\t{path}/autosave\t{body}")
    open(editors_file, "w").write("\n".join(lines) + "\n")
    print(f"{len(lines)} drafts, one per editor")


def check_autosave(base, editors_file):
    """Every editor's autosave is one the load sent (its counter filled in), and the saved
    article is untouched (an autosave never overwrites it)."""
    n = 0
    for line in open(editors_file).read().splitlines():
        tok, path, _ = line.split("\t", 2)
        article = path[: -len("/autosave")]
        b = Browser(base, {"mh_session": tok})
        status, _, page = b.get(article + "?autosaved=1")
        assert status == 200, (article, status)
        if not re.search(r"Autosaved text \d+-\d+\.", page):
            sys.exit(f"check-autosave: {article} shows no autosave from the load")
        status, _, page = b.get(article)
        if "Autosaved text" in page:
            sys.exit(f"check-autosave: the autosave overwrote the saved article {article}")
        n += 1
    print(f"autosaves checked: {n} editors, each autosave from the load, no saved article changed")


def list_urls(base, session, corpus, out_file, deep_pages=20):
    sections, authors = site(corpus)
    b = Browser(base, {"mh_session": session})
    urls = [("list-first-page", "/newsroom/articles"),
            ("list-published-in-section", f"/newsroom/articles?status=published&section={sections[0]}"),
            ("list-drafts-in-section", f"/newsroom/articles?status=draft&section={sections[0]}"),
            ("list-by-author", f"/newsroom/articles?author={authors[0]}")]
    path = "/newsroom/articles"
    for _ in range(deep_pages):
        status, _, page = b.get(path)
        assert status == 200, (path, status)
        m = re.search(r'href="(/newsroom/articles\?[^"]*before=[^"]+)"', page)
        if not m:
            break
        path = m.group(1).replace("&amp;", "&")
    urls.append((f"list-page-{deep_pages + 1}", path))
    # A common word (the LIKE stops after 51 matches) and one no headline has (every row read).
    urls.append(("list-headline-search", "/newsroom/articles?q=harbour"))
    urls.append(("list-headline-search-no-match", "/newsroom/articles?q=quokka"))
    for name, url in urls:
        status, _, page = b.get(url)
        rows = len(re.findall(r'href="/newsroom/articles/[0-9a-f]{8}-[0-9a-f-]+"', page))
        want_rows = not name.endswith("no-match")
        assert status == 200 and (rows > 0) == want_rows, (url, status, rows)
        if not want_rows:
            assert "No articles match" in page, url
    open(out_file, "w").write("".join(f"{n}\t{u}\n" for n, u in urls))


def publish(session, corpus, count, out_file, bases, timeout=30.0, poll_s=0.02):
    """Publishes `count` articles one after another (through node 1, 2, 1, …) and polls, as an
    anonymous reader on every node, the article page, the front page, the section page and a
    search for a word only that article has, until each shows it. The clock starts before the
    publishing POST is sent; an article is visible everywhere when the last check passes."""
    sections, authors = site(corpus)
    body = corpus_bodies(corpus, 1)[0]
    editors = [Browser(b, {"mh_session": session}) for b in bases]
    readers = [Browser(b) for b in bases]
    rng = random.Random(1)
    run = f"{int(time.time()) % 100000000}"
    rows = []
    for i in range(count):
        word = f"nrbench{run}x{i}"
        section, author = sections[i % len(sections)], authors[i % len(authors)]
        slug = f"newsroom-bench-{run}-{i}"
        link = f"/{section}/{slug}"
        checks = {(n, kind): url for n in range(len(bases)) for kind, url in
                  (("article", link), ("front", "/"), ("section", f"/{section}"), ("search", f"/search?q={word}"))}
        node = i % len(bases)
        f = form_fields(f"Harbour lights {word} return to the quay", body, section, author,
                        action="publish", slug=slug, access="free")
        t0 = time.monotonic()
        status, loc, page = editors[node].post_form("/newsroom/articles", f)
        t_post = time.monotonic() - t0
        assert status == 303 and "notice=published" in loc, (status, loc, page[:500])
        seen = {}
        while len(seen) < len(checks) and time.monotonic() - t0 < timeout:
            for key, url in checks.items():
                if key in seen:
                    continue
                status, _, page = readers[key[0]].get(url, cookies=False)
                ok = status == 200 and (word in page if key[1] == "article" else f'href="{link}"' in page)
                if ok:
                    seen[key] = time.monotonic() - t0
            time.sleep(poll_s)
        missing = [f"node{n + 1}:{k}" for (n, k) in checks if (n, k) not in seen]
        total = max(seen.values()) if not missing else None
        slowest = max(seen, key=seen.get) if seen and not missing else None
        rows.append((i, node + 1, t_post, total, slowest, seen, missing))
        print(f"article {i + 1}/{count} (published on node {node + 1}, POST {t_post * 1000:.0f} ms): "
              + (f"visible everywhere after {total * 1000:.0f} ms (last: node{slowest[0] + 1} {slowest[1]})"
                 if total is not None else f"NOT visible within {timeout:.0f} s: {', '.join(missing)}"),
              flush=True)
        time.sleep(rng.uniform(0.2, 1.0))  # not in step with the nodes' 1 s polls
    kinds = sorted({k for _, _, _, _, _, seen, _ in rows for k in seen})
    with open(out_file, "w") as out:
        out.write("#article\tnode\tpost_ms\tvisible_ms\t" + "\t".join(f"node{n + 1}:{k}_ms" for n, k in kinds) + "\n")
        for i, node, t_post, total, _, seen, missing in rows:
            cells = [f"{seen[k] * 1000:.1f}" if k in seen else "timeout" for k in kinds]
            out.write(f"{i}\t{node}\t{t_post * 1000:.1f}\t{'timeout' if total is None else f'{total * 1000:.1f}'}\t"
                      + "\t".join(cells) + "\n")
    if any(r[3] is None for r in rows):
        sys.exit("publish: some articles never became visible everywhere (see the lines above)")


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))
    return v[int(k)]


def publish_summary(tsv):
    lines = [ln.rstrip("\n").split("\t") for ln in open(tsv) if ln.strip()]
    header, rows = lines[0], lines[1:]
    visible = [float(r[3]) for r in rows if r[3] != "timeout"]
    timeouts = sum(1 for r in rows if r[3] == "timeout")
    posts = [float(r[2]) for r in rows]
    per_check = {}
    for col, name in enumerate(header[4:], start=4):
        vals = [float(r[col]) for r in rows if r[col] != "timeout"]
        if vals:
            per_check[name[:-3]] = (percentile(vals, 50), percentile(vals, 99), max(vals))
    return dict(n=len(rows), timeouts=timeouts, visible=visible, posts=posts, per_check=per_check)


def report(meta_tsv, out_md):
    meta, runs = [], []
    for line in open(meta_tsv, encoding="utf-8"):
        k, _, v = line.rstrip("\n").partition("\t")
        (runs if k.startswith("run:") else meta).append((k, v))
    out = ["# Newsroom benchmark (issue 13)", ""]
    out += [f"- **{k}**: {v}" for k, v in meta]
    out += ["", "| case | connections | req/s | p50 | p99 | target | non-2xx/3xx | requests |",
            "|---|---:|---:|---:|---:|---|---:|---:|"]
    pub = None
    for k, v in runs:
        name, conns, target, path = v.split("\t")
        if name == "publish":
            pub = (path, target)
            continue
        r = parse_wrk(path) if os.path.exists(path) else {}
        out.append(f"| {name} | {conns} | {r.get('rps') or '?'} | {fmt_ms(r.get('p50_ms'))} | "
                   f"{fmt_ms(r.get('p99_ms'))}{' ⚠' if r.get('socket_errors') else ''} | {target} | {r.get('non2xx', '?')}"
                   f"{' + %d socket errors' % r['socket_errors'] if r.get('socket_errors') else ''} | "
                   f"{r.get('requests') or '?'} |")
    if any("⚠" in line for line in out):
        out += ["", "⚠: wrk saw socket errors (timeouts: requests over 30 s are not in the percentiles)."]
    if pub and os.path.exists(pub[0]):
        s = publish_summary(pub[0])
        out += ["", f"Publish → visible everywhere: {s['n']} articles, target {pub[1]}", ""]
        if s["visible"]:
            v = s["visible"]
            out += [f"- visible everywhere: p50 {fmt_ms(percentile(v, 50))}, p99 {fmt_ms(percentile(v, 99))}, "
                    f"max {fmt_ms(max(v))}; not visible within the timeout: {s['timeouts']}",
                    f"- the publishing POST itself: p50 {fmt_ms(percentile(s['posts'], 50))}, "
                    f"max {fmt_ms(max(s['posts']))}", "",
                    "| check | p50 | p99 | max |", "|---|---:|---:|---:|"]
            out += [f"| {k} | {fmt_ms(a)} | {fmt_ms(b)} | {fmt_ms(c)} |" for k, (a, b, c) in s["per_check"].items()]
        else:
            out.append(f"- no article became visible everywhere ({s['timeouts']} timeouts)")
    text = "\n".join(out) + "\n"
    open(out_md, "w", encoding="utf-8").write(text)
    print(text)


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "sign-in":
        sign_in(*args)
    elif cmd == "drafts":
        drafts(*args)
    elif cmd == "check-autosave":
        check_autosave(*args)
    elif cmd == "list-urls":
        list_urls(*args[:4], deep_pages=int(os.environ.get("DEEP_PAGES", "20")))
    elif cmd == "publish":
        publish(args[0], args[1], int(args[2]), args[3], args[4:],
                timeout=float(os.environ.get("VISIBLE_TIMEOUT", "30")))
    elif cmd == "report":
        report(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

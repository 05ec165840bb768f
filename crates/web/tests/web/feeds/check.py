"""Checks for the feeds tests, run by them as a subprocess (`feeds/tools.rs`).

Reads a JSON request on stdin and prints a JSON report on stdout; every check that fails is a
line in "problems", so the Rust test shows them all at once.

  feed     {"path": FILE, "format": "rss"|"atom"}            parse with feedparser
  sitemap  {"path": FILE}                                     parse with xml.etree
  extruct  {"path": FILE, "url": URL}                         JSON-LD and Open Graph
"""

import json
import sys
import xml.etree.ElementTree as ET

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def check_feed(req):
    import feedparser

    problems = []
    data = open(req["path"], "rb").read()
    d = feedparser.parse(data)
    if d.bozo:
        problems.append(f"bozo: {d.bozo_exception!r}")
    # The specifications' required elements, read from the XML itself.
    root = ET.fromstring(data)
    if req["format"] == "rss":
        if root.tag != "rss" or root.get("version") != "2.0":
            problems.append(f"root is {root.tag} version {root.get('version')}")
        channel = root.find("channel")
        for name in ("title", "link", "description"):
            if channel is None or not (channel.findtext(name) or "").strip():
                problems.append(f"channel has no {name}")
        for item in channel.findall("item") if channel is not None else []:
            if not (item.findtext("title") or item.findtext("description")):
                problems.append("an item has neither title nor description")
            guid = item.find("guid")
            if guid is None or not guid.text:
                problems.append("an item has no guid")
    else:
        if root.tag != ATOM + "feed":
            problems.append(f"root is {root.tag}")
        for name in ("id", "title", "updated"):
            if not (root.findtext(ATOM + name) or "").strip():
                problems.append(f"feed has no {name}")
        feed_author = root.find(ATOM + "author") is not None
        if not any(l.get("rel") == "self" for l in root.findall(ATOM + "link")):
            problems.append("feed has no self link")
        for entry in root.findall(ATOM + "entry"):
            for name in ("id", "title", "updated"):
                if not (entry.findtext(ATOM + name) or "").strip():
                    problems.append(f"an entry has no {name}")
            if not feed_author and entry.find(ATOM + "author") is None:
                problems.append("an entry has no author")
            if not any(l.get("rel", "alternate") == "alternate" for l in entry.findall(ATOM + "link")):
                problems.append("an entry has no alternate link")
    entries = []
    for e in d.entries:
        entries.append({
            "title": e.get("title"),
            "link": e.get("link"),
            "id": e.get("id"),
            "published": e.get("published_parsed") and "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(e.published_parsed[:6]),
            "updated": e.get("updated_parsed") and "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(e.updated_parsed[:6]),
            "authors": [a.get("name") for a in e.get("authors", []) if a.get("name")],
            "tags": [t.get("term") for t in e.get("tags", [])],
            "content": "".join(c.get("value", "") for c in e.get("content", [])),
            "summary": e.get("summary"),
            "enclosures": [x.get("href") for x in e.get("enclosures", [])],
            "media": [m.get("url") for m in e.get("media_content", [])],
        })
    return {
        "problems": problems,
        "version": d.version,
        "title": d.feed.get("title"),
        "entries": entries,
    }


def check_sitemap(req):
    problems = []
    data = open(req["path"], "rb").read()
    if len(data) > 50 * 1000 * 1000:
        problems.append(f"{len(data)} bytes, over 50 MB")
    root = ET.fromstring(data)
    out = {"problems": problems, "kind": None, "locs": [], "lastmods": [], "news": []}
    if root.tag == SM + "urlset":
        out["kind"] = "urlset"
        urls = root.findall(SM + "url")
        for u in urls:
            loc = u.findtext(SM + "loc")
            if not loc or not loc.startswith(("http://", "https://")):
                problems.append(f"loc {loc!r} is not an absolute URL")
            out["locs"].append(loc)
            out["lastmods"].append(u.findtext(SM + "lastmod"))
            news = u.find(NEWS + "news")
            if news is not None:
                pub = news.find(NEWS + "publication")
                item = {
                    "name": pub is not None and pub.findtext(NEWS + "name"),
                    "language": pub is not None and pub.findtext(NEWS + "language"),
                    "date": news.findtext(NEWS + "publication_date"),
                    "title": news.findtext(NEWS + "title"),
                }
                for k, v in item.items():
                    if not v:
                        problems.append(f"news entry {loc} has no {k}")
                out["news"].append(item)
        if len(urls) > 50000:
            problems.append(f"{len(urls)} URLs, over 50,000")
    elif root.tag == SM + "sitemapindex":
        out["kind"] = "index"
        for s in root.findall(SM + "sitemap"):
            out["locs"].append(s.findtext(SM + "loc"))
        if len(out["locs"]) > 50000:
            problems.append("more than 50,000 sitemaps in the index")
    else:
        problems.append(f"root element is {root.tag}")
    # Every child in the sitemap namespaces is one the protocol defines.
    allowed = {SM + n for n in ("urlset", "url", "loc", "lastmod", "changefreq", "priority", "sitemapindex", "sitemap")}
    allowed |= {NEWS + n for n in ("news", "publication", "name", "language", "publication_date", "title")}
    for el in root.iter():
        if el.tag not in allowed:
            problems.append(f"unexpected element {el.tag}")
    return out


def check_extruct(req):
    import extruct

    html = open(req["path"], "rb").read().decode("utf-8")
    json_ld = extruct.extract(html, base_url=req["url"], syntaxes=["json-ld"], uniform=True)
    # Open Graph as extruct's property list: the uniform form keeps one value of a repeated
    # property (article:tag).
    og = extruct.extract(html, base_url=req["url"], syntaxes=["opengraph"])
    properties = [p for item in og.get("opengraph", []) for p in item.get("properties", [])]
    return {"problems": [], "json_ld": json_ld.get("json-ld", []), "opengraph": properties}


def main():
    cmd = sys.argv[1]
    req = json.load(sys.stdin)
    out = {"feed": check_feed, "sitemap": check_sitemap, "extruct": check_extruct}[cmd](req)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

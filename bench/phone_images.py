#!/usr/bin/env python3
"""The image bytes a phone downloads for the demo's article page, before and after variants.

Issue 14's target: on a 390 px wide phone, the demo article page's total image bytes are at most
25% of what they were when every reader got the original file. Both figures come from the same
run, with a real browser (Debian's chromium, driven by chromedriver over WebDriver):

1. "before": `masthead serve --demo --no-worker` on a fresh data directory. No job runs, so no
   variant exists and the pages serve each photo's original, as Masthead did before issue 14.
2. "after": the same data directory served with the worker on; the variants job that `serve`
   queues at start makes the variants, and the script waits until the article page offers them.

For each, a fresh browser profile (nothing cached) emulates a 390 × 844 phone at each device
pixel ratio asked for (`--dpr 1,2,3`), opens the article, scrolls to the bottom so that lazy
images load, and sums `transferSize` of every image the Resource Timing API lists.

    python3 bench/phone_images.py --bin target/release/masthead [--dpr 1,2,3] [--keep]

Only bytes are measured, so a debug binary gives the same figures (only slower).
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8", "replace")


def wait_for(url, deadline_s=60):
    end = time.time() + deadline_s
    while time.time() < end:
        try:
            return get(url)
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer in {deadline_s} s")


class Server:
    def __init__(self, binary, data, extra):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, RUST_LOG="warn")
        self.proc = subprocess.Popen(
            [binary, "serve", "--demo", "--data", data, "--listen", f"127.0.0.1:{self.port}", *extra],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.base + "/")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Chrome:
    """One chromedriver and one headless chromium session emulating a phone."""

    def __init__(self, width, height, dpr):
        self.port = free_port()
        self.driver = subprocess.Popen(
            ["chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(self.base + "/status", 20)
        self.profile = tempfile.mkdtemp(prefix="phone-profile-")
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "goog:chromeOptions": {
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            f"--user-data-dir={self.profile}",
                        ],
                        "mobileEmulation": {
                            "deviceMetrics": {"width": width, "height": height, "pixelRatio": dpr, "touch": True},
                        },
                    }
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["value"]

    def run(self, script):
        return self.call("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": []})

    def image_bytes(self, url):
        self.call("POST", f"/session/{self.session}/url", {"url": url})
        # Scroll to the bottom in steps so that every lazy image is fetched, then let them land.
        for _ in range(40):
            done = self.run(
                "window.scrollBy(0, window.innerHeight);"
                "return window.scrollY + window.innerHeight >= document.body.scrollHeight;"
            )
            time.sleep(0.1)
            if done:
                break
        time.sleep(1.5)
        entries = self.run(
            "return performance.getEntriesByType('resource')"
            ".filter(e => e.initiatorType === 'img' || /\\/media\\//.test(e.name))"
            ".map(e => [e.name, e.transferSize || e.encodedBodySize]);"
        )
        viewport = self.run("return [window.innerWidth, window.devicePixelRatio];")
        return entries, viewport

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


def measure(base, path, dprs):
    out = {}
    for dpr in dprs:
        chrome = Chrome(390, 844, dpr)
        try:
            entries, viewport = chrome.image_bytes(base + path)
        finally:
            chrome.close()
        out[dpr] = (sum(n for _, n in entries), entries, viewport)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/masthead")
    ap.add_argument("--dpr", default="1,2,3", help="device pixel ratios, comma-separated")
    ap.add_argument("--keep", action="store_true", help="keep the data directory")
    args = ap.parse_args()
    dprs = [float(d) if "." in d else int(d) for d in args.dpr.split(",")]
    data = tempfile.mkdtemp(prefix="phone-images-")
    try:
        before_srv = Server(args.bin, data, ["--no-worker"])
        try:
            front = get(before_srv.base + "/")
            links = re.findall(r'<a href="(/[a-z-]+/[a-z0-9-]+)"', front)
            path = None
            for link in links:
                if 'class="lead-photo"' in get(before_srv.base + link):
                    path = link
                    break
            if path is None:
                sys.exit("no demo article with a lead photo found on the front page")
            page = get(before_srv.base + path)
            assert "<source" not in page, "the no-worker server already offers variants"
            before = measure(before_srv.base, path, dprs)
        finally:
            before_srv.stop()
        after_srv = Server(args.bin, data, [])
        try:
            end = time.time() + 300
            while 'type="image/webp"' not in get(after_srv.base + path):
                if time.time() > end:
                    sys.exit("the variants did not appear within 300 s")
                time.sleep(0.5)
            # Let the job finish every photo the page shows (cards below the story included).
            time.sleep(3)
            after = measure(after_srv.base, path, dprs)
        finally:
            after_srv.stop()
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    print(f"article: {path}")
    print("| device pixel ratio | images before | bytes before | images after | bytes after | after / before |")
    print("|---|---|---|---|---|---|")
    for dpr in dprs:
        b, be, _ = before[dpr]
        a, ae, _ = after[dpr]
        print(f"| {dpr} | {len(be)} | {b:,} | {len(ae)} | {a:,} | {a / b:.1%} |")
    for label, run in (("before", before), ("after", after)):
        for dpr in dprs:
            _, entries, viewport = run[dpr]
            print(f"\n{label}, dpr {dpr} (viewport {viewport}):")
            for name, n in entries:
                print(f"  {n:>9,}  {name}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A push service for Masthead's tests: an independent receiver of Web Push messages.

It plays the part of FCM or Mozilla's autopush on loopback, over plain HTTP (the tests list
its origin in MASTHEAD_PUSH_SERVICES), or behind a TLS front that says so with
X-Forwarded-Proto and X-Forwarded-Host (crates/push/tests/deliver/tls.rs). For every push it

- verifies the VAPID Authorization (RFC 8292) with py_vapid: the ES256 signature over the
  token with the key `k`, and the claims: `aud` is this service's origin, `exp` is in the
  future and at most 24 hours away, `sub` is a mailto: or https: contact;
- decrypts the body (RFC 8291, aes128gcm) with Mozilla's http_ece and the subscription's
  private key, which the test registered;
- answers with the status the test cued for that subscription (201 by default; 429 and 503
  with a Retry-After; "hang" never answers within the client's timeout; "garbage" answers
  something that is not HTTP).

Control API (JSON), used by the Rust tests:
  POST /control/subscriptions {"id", "pkcs8" (base64url PKCS#8 P-256 key), "auth" (base64url),
                               "script": [201, 429, ...], "retry_after": seconds}
  POST /control/config {"delay": seconds}   answer every push that much later
  GET  /control/log            every push received, in order
  POST /control/reset-log

Prints "LISTENING <port>" on stdout once it accepts connections.
"""

import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import py_vapid
from cryptography.hazmat.primitives.serialization import load_der_private_key

LOCK = threading.Lock()
SUBSCRIPTIONS = {}  # id -> {"key", "auth", "script", "retry_after"}
LOG = []
CONFIG = {"delay": 0.0}  # seconds before each push is answered


def b64d(s):
    s = s.strip().replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def parse_vapid(header):
    """'vapid t=JWT, k=KEY' (with or without the space) -> (jwt, k)."""
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError("Authorization scheme is not vapid: %r" % scheme)
    params = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        params[name] = value
    if "t" not in params or "k" not in params:
        raise ValueError("Authorization lacks t or k")
    return params["t"], params["k"]


def verify_vapid(header, origin):
    jwt, k = parse_vapid(header)
    signed, _, signature = jwt.rpartition(".")
    key = py_vapid.Vapid02.from_raw_public(k.encode())
    if not key.verify_token(validation_token=signed.encode(), verification_token=signature):
        raise ValueError("VAPID signature does not verify with k")
    header_b64, claims_b64 = signed.split(".")
    head = json.loads(b64d(header_b64))
    if head.get("alg") != "ES256":
        raise ValueError("JWT alg is not ES256: %r" % head)
    claims = json.loads(b64d(claims_b64))
    now = time.time()
    if claims.get("aud") != origin:
        raise ValueError("aud %r is not %r" % (claims.get("aud"), origin))
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now or exp > now + 24 * 3600:
        raise ValueError("exp %r is not within the next 24 hours" % exp)
    sub = claims.get("sub", "")
    if not (sub.startswith("mailto:") or sub.startswith("https:")):
        raise ValueError("sub %r is not a mailto: or https: contact" % sub)
    return {"claims": claims, "k": k, "jwt": jwt}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def reply_json(self, status, value):
        self.reply(status, json.dumps(value).encode(), [("Content-Type", "application/json")])

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/control/log":
            with LOCK:
                self.reply_json(200, LOG)
        else:
            self.reply(404)

    def do_POST(self):
        if self.path == "/control/subscriptions":
            spec = json.loads(self.body())
            key = load_der_private_key(b64d(spec["pkcs8"]), password=None)
            with LOCK:
                SUBSCRIPTIONS[spec["id"]] = {
                    "key": key,
                    "auth": b64d(spec["auth"]),
                    "script": list(spec.get("script", [])),
                    "retry_after": spec.get("retry_after"),
                }
            self.reply_json(200, {"ok": True})
        elif self.path == "/control/config":
            with LOCK:
                CONFIG.update(json.loads(self.body()))
            self.reply_json(200, {"ok": True})
        elif self.path == "/control/reset-log":
            with LOCK:
                LOG.clear()
            self.reply_json(200, {"ok": True})
        elif self.path.startswith("/push/"):
            self.push(self.path[len("/push/"):])
        else:
            self.reply(404)

    def push(self, sub_id):
        body = self.body()
        entry = {"id": sub_id, "at": time.time(), "headers": {
            k.lower(): v for k, v in self.headers.items()
        }}
        with LOCK:
            sub = SUBSCRIPTIONS.get(sub_id)
            status = sub["script"].pop(0) if sub and sub["script"] else 201
        if sub is None:
            status = 404
        else:
            try:
                # Behind a TLS front (the Rust TLS test), the origin pushes were addressed to
                # is the front's, as a reverse proxy says it.
                scheme = self.headers.get("X-Forwarded-Proto") or "http"
                host = self.headers.get("X-Forwarded-Host") or self.headers.get("Host")
                entry["vapid"] = verify_vapid(self.headers.get("Authorization", ""),
                                              scheme + "://" + host)
                if self.headers.get("Content-Encoding") != "aes128gcm":
                    raise ValueError("Content-Encoding is not aes128gcm")
                plain = http_ece.decrypt(body, private_key=sub["key"], auth_secret=sub["auth"],
                                         version="aes128gcm")
                entry["payload"] = json.loads(plain)
                entry["body_bytes"] = len(body)
            except Exception as e:  # the push is wrong: answer as a push service would
                entry["error"] = "%s: %s" % (type(e).__name__, e)
                status = 400
        entry["status"] = status
        with LOCK:
            LOG.append(entry)
            delay = CONFIG["delay"]
        if delay:
            time.sleep(delay)
        if status == "hang":
            time.sleep(60)
            return
        if status == "garbage":
            self.wfile.write(b"\x00\x01 this is not HTTP\r\n\r\n")
            self.close_connection = True
            return
        headers = []
        if status in (429, 500, 502, 503) and sub and sub.get("retry_after") is not None:
            headers.append(("Retry-After", str(sub["retry_after"])))
        if status == 201:
            headers.append(("Location", "/message/%d" % len(LOG)))
        self.reply(status, b"", headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print("LISTENING %d" % server.server_address[1], flush=True)
    # Stop when the test that started us goes away (stdin closes).
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()

//! Running `check.py` (feedparser, xml.etree, extruct) on a response body, and reading bodies
//! in each encoding.

use std::io::Read;

use serde_json::Value;

use crate::common::TestApp;

/// Runs `check.py CMD` with `request` (plus `path`, a file holding `body`) and returns its
/// report; fails the test on any problem it lists.
pub fn check(cmd: &str, body: &[u8], mut request: Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body");
    std::fs::write(&path, body).unwrap();
    request["path"] = Value::from(path.to_string_lossy().into_owned());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/web/feeds/check.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .arg(cmd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (the feeds tests need python3 with feedparser, extruct, lxml)");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(request.to_string().as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "check.py {cmd} failed (pip install feedparser extruct lxml?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = report["problems"].as_array().unwrap();
    assert!(
        problems.is_empty(),
        "check.py {cmd} found problems: {problems:#?}\nin:\n{}",
        String::from_utf8_lossy(body)
    );
    report
}

/// A GET with these extra headers: (status, headers, raw body bytes).
pub async fn fetch(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let h = res.headers().clone();
    (status, h, res.bytes().await.unwrap().to_vec())
}

/// The body of `path` in identity, gzip and brotli, each decoded: what a reader of each
/// encoding gets. Asserts that the server used the encoding asked for.
pub async fn every_encoding(app: &TestApp, path: &str) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for enc in ["identity", "gzip", "br"] {
        let (status, h, raw) = fetch(app, path, &[("accept-encoding", enc)]).await;
        assert_eq!(status, 200, "{path} in {enc}");
        let got = h.get("content-encoding").map(|v| v.to_str().unwrap());
        let decoded = match enc {
            "identity" => {
                assert_eq!(got, None);
                raw
            }
            "gzip" => {
                assert_eq!(got, Some("gzip"));
                let mut s = Vec::new();
                flate2::read::GzDecoder::new(&raw[..])
                    .read_to_end(&mut s)
                    .unwrap();
                s
            }
            _ => {
                assert_eq!(got, Some("br"));
                let mut s = Vec::new();
                brotli::Decompressor::new(&raw[..], 4096)
                    .read_to_end(&mut s)
                    .unwrap();
                s
            }
        };
        out.push((enc, decoded));
    }
    out
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

//! Bad input to the Admin API: each is a precise 4xx with the JSON error, and changes nothing.

use std::time::Duration;

use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

async fn send(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: &str,
) -> (u16, serde_json::Value) {
    json_of(
        with_key(app, Method::POST, "/api/v1/admin/articles", token)
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_fields() {
    let app = spawn_app().await;
    let token = key(&app, Role::Editor).await;
    let before = app
        .db
        .store
        .api_articles(&Default::default())
        .await
        .unwrap()
        .len();
    let json = "application/json";
    for (content_type, body, status, code, field) in [
        (json, r#"{"headline": "x""#, 400, "malformed", None),
        (json, "not json", 400, "malformed", None),
        (
            "text/plain",
            r#"{"headline": "x"}"#,
            415,
            "unsupported_media_type",
            None,
        ),
        (
            "application/x-www-form-urlencoded",
            "headline=x",
            415,
            "unsupported_media_type",
            None,
        ),
        (
            json,
            r#"{"headline": 42}"#,
            422,
            "invalid",
            Some("headline"),
        ),
        (
            json,
            r#"{"headline": "x", "tags": "one, two"}"#,
            422,
            "invalid",
            Some("tags"),
        ),
        (
            json,
            r#"{"headline": "x", "breaking": "yes"}"#,
            422,
            "invalid",
            Some("breaking"),
        ),
        (
            json,
            r#"{"headline": "x", "colour": "red"}"#,
            422,
            "invalid",
            Some("colour"),
        ),
        (
            json,
            r#"{"headline": "", "section": "city"}"#,
            422,
            "invalid",
            Some("headline"),
        ),
        (
            json,
            r#"{"headline": "x", "section": "nowhere"}"#,
            422,
            "invalid",
            Some("section"),
        ),
        (
            json,
            r#"{"headline": "x", "section": "city", "access": "vip"}"#,
            422,
            "invalid",
            Some("access"),
        ),
        (
            json,
            r#"{"headline": "x", "section": "city", "tags": ["a, b"]}"#,
            422,
            "invalid",
            Some("tags"),
        ),
        (
            json,
            r#"{"headline": "x", "section": "city", "revision": 3}"#,
            422,
            "invalid",
            Some("revision"),
        ),
    ] {
        let (got, v) = send(&app, &token, content_type, body).await;
        assert_eq!(got, status, "{body}: {v}");
        let (c, f) = error_of(&v);
        assert_eq!(c, code, "{body}: {v}");
        assert_eq!(f.as_deref(), field, "{body}: {v}");
    }
    // A section's name: the newsroom's checks.
    let (status, v) = json_of(
        with_key(&app, Method::POST, "/api/v1/admin/sections", &token)
            .json(&serde_json::json!({ "name": "News", "slug": "search" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, error_of(&v).1.as_deref()),
        (422, Some("slug")),
        "{v}"
    );
    let (status, v) = json_of(
        with_key(&app, Method::POST, "/api/v1/admin/sections", &token)
            .json(&serde_json::json!({ "name": "Town", "slug": "city" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, error_of(&v).0.as_str()), (409, "conflict"), "{v}");
    assert_eq!(
        app.db
            .store
            .api_articles(&Default::default())
            .await
            .unwrap()
            .len(),
        before
    );
    app.stop().await;
}

/// Sends a request head and then up to `send` bytes of body without waiting, and returns the
/// status line the server answered with.
async fn raw_upload(
    app: &TestApp,
    token: &str,
    head_extra: &str,
    chunked: bool,
    send: usize,
) -> String {
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/admin/articles HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\n{head_extra}\r\n",
        app.addr
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < send {
        let r = if chunked {
            let mut c = format!("{:x}\r\n", chunk.len()).into_bytes();
            c.extend_from_slice(&chunk);
            c.extend_from_slice(b"\r\n");
            s.write_all(&c).await
        } else {
            s.write_all(&chunk).await
        };
        // The server may stop reading and answer before everything is sent.
        if r.is_err() {
            break;
        }
        sent += chunk.len();
    }
    let mut buf = vec![0_u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
        .await
        .expect("an answer before the body is all sent")
        .unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_100_mb_body_is_refused_while_reading() {
    let app = spawn_app().await;
    let token = key(&app, Role::Editor).await;
    // Declared: refused from the header, before the body is read.
    let answer = raw_upload(
        &app,
        &token,
        "Content-Length: 104857600\r\n",
        false,
        4 * 1024 * 1024,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/json"), "{answer}");
    assert!(answer.contains("too_large"), "{answer}");
    // Undeclared (chunked): counted while reading, refused once over the limit; the client is
    // answered without sending its 100 MB.
    let answer = raw_upload(
        &app,
        &token,
        "Transfer-Encoding: chunked\r\n",
        true,
        4 * 1024 * 1024,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("too_large"), "{answer}");
    app.stop().await;
}

//! Cookies: the session (opaque, server-side), CSRF (double submit), the pending sign-in and
//! the browser binding of sign-in requests. The meter's cookie is the wall's (`wall/`).
//!
//! Every cookie is HttpOnly, SameSite=Lax, Path=/, and Secure when the site is served over
//! HTTPS (`MASTHEAD_PUBLIC_URL` starts with https://).
//!
//! On HTTPS every name carries the `__Host-` prefix *(security review 11)*: browsers accept such
//! a cookie only from this very host, over HTTPS, with `Path=/` and no `Domain`, so a sibling
//! site (another subdomain of the publisher's, or a look-alike on the same parent domain)
//! cannot plant a session or a CSRF cookie of its choosing. Only the prefixed names are read
//! there: readers signed in before the prefix sign in once more. Plain HTTP (the demo at
//! http://127.0.0.1) cannot use the prefix and keeps the bare names.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderValue, header};
use masthead_core::secret;

pub const SESSION: &str = "mh_session";
pub const CSRF: &str = "mh_csrf";
pub const PENDING: &str = "mh_pending";
/// Binds sign-in requests to the browser that made them (staff links work only there).
pub const BIND: &str = "mh_bind";

/// The name a cookie has on the wire: `__Host-NAME` on HTTPS (see the module docs).
pub fn wire_name(name: &str, secure: bool) -> Cow<'_, str> {
    if secure {
        Cow::Owned(format!("__Host-{name}"))
    } else {
        Cow::Borrowed(name)
    }
}

/// The value of a cookie in the request, if present and plausible (at most 128 characters:
/// every token of ours is shorter). `secure`: the site is on HTTPS (the name is prefixed).
pub fn get<'a>(headers: &'a HeaderMap, name: &str, secure: bool) -> Option<&'a str> {
    get_up_to(headers, name, secure, 128)
}

/// The value of a cookie of at most `max` characters.
pub fn get_up_to<'a>(
    headers: &'a HeaderMap,
    name: &str,
    secure: bool,
    max: usize,
) -> Option<&'a str> {
    let name = wire_name(name, secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty() && v.len() <= max)
}

/// A `Set-Cookie` value; `max_age` None makes a session cookie, Some(0) deletes.
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let name = wire_name(name, secure);
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

pub fn delete(name: &str, secure: bool) -> HeaderValue {
    set(name, "", Some(0), secure)
}

/// The session cookie's token, if it looks like one of ours.
pub fn session_token(headers: &HeaderMap, secure: bool) -> Option<&str> {
    get(headers, SESSION, secure).filter(|t| secret::looks_like_token(t))
}

/// The browser's CSRF token, and whether it had to be made (then it must be set).
pub fn csrf_token(headers: &HeaderMap, secure: bool) -> (String, bool) {
    match get(headers, CSRF, secure).filter(|t| secret::looks_like_token(t)) {
        Some(t) => (t.to_owned(), false),
        None => (secret::random_token(), true),
    }
}

/// The browser's binding token, and whether it had to be made (then it must be set).
pub fn binding_token(headers: &HeaderMap, secure: bool) -> (String, bool) {
    match get(headers, BIND, secure).filter(|t| secret::looks_like_token(t)) {
        Some(t) => (t.to_owned(), false),
        None => (secret::random_token(), true),
    }
}

/// A POST comes from a page of this site. Either proof is enough:
/// - the form's CSRF field matches the browser's `mh_csrf` cookie (double submit), or
/// - the browser says so: `Sec-Fetch-Site: same-origin`, or an `Origin` whose host is the
///   request's `Host`. Browsers set both headers themselves and pages cannot forge them. This
///   is what lets forms on pages shared by every reader (the wall's registration form, kept in
///   the page cache) work without a per-browser token in the page.
///
/// A browser that says the request is cross-site or from a sibling site is refused whatever
/// the token.
pub fn csrf_ok(headers: &HeaderMap, submitted: &str, secure: bool) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return false;
    }
    let token_ok = get(headers, CSRF, secure).is_some_and(|cookie| {
        secret::looks_like_token(cookie) && secret::secrets_equal(cookie, submitted)
    });
    token_ok || fetch_site == Some("same-origin") || origin_is_host(headers)
}

/// The `Origin` header names the host the request was sent to.
fn origin_is_host(headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let (Some(origin), Some(host)) = (origin, host) else {
        return false;
    };
    let Some((scheme, origin_host)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https") && origin_host.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; mh_csrf=abc; b=2"),
        );
        assert_eq!(get(&h, "mh_csrf", false), Some("abc"));
        assert_eq!(get(&h, "b", false), Some("2"));
        assert_eq!(get(&h, "zz", false), None);
        assert!(!csrf_ok(&h, "abc", false), "not a token of ours");
        let t = secret::random_token();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("mh_csrf={t}")).unwrap(),
        );
        assert!(csrf_ok(&h, &t, false));
        assert!(!csrf_ok(&h, &secret::random_token(), false));
    }

    #[test]
    fn on_https_only_the_host_prefixed_names_count() {
        let t = secret::random_token();
        let mut h = HeaderMap::new();
        // A cookie planted by a sibling site under the bare name is not read on HTTPS.
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("mh_session={t}; mh_csrf={t}")).unwrap(),
        );
        assert_eq!(session_token(&h, true), None);
        assert!(!csrf_ok(&h, &t, true));
        assert_eq!(session_token(&h, false), Some(t.as_str()));
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("__Host-mh_session={t}; __Host-mh_csrf={t}")).unwrap(),
        );
        assert_eq!(session_token(&h, true), Some(t.as_str()));
        assert!(csrf_ok(&h, &t, true));
        assert_eq!(session_token(&h, false), None);
    }

    #[test]
    fn cookie_attributes() {
        let c = set(SESSION, "x", Some(60), true);
        assert_eq!(
            c,
            "__Host-mh_session=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert_eq!(
            delete(CSRF, false),
            "mh_csrf=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        );
    }

    #[test]
    fn same_origin_posts_pass_without_a_token() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, HeaderValue::from_static(v));
            }
            h
        };
        assert!(!csrf_ok(&h(&[]), "", false), "no proof at all");
        assert!(csrf_ok(&h(&[("sec-fetch-site", "same-origin")]), "", false));
        assert!(csrf_ok(
            &h(&[("origin", "https://news.example"), ("host", "news.example")]),
            "",
            true
        ));
        assert!(csrf_ok(
            &h(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]),
            "",
            false
        ));
        for bad in [
            h(&[("origin", "https://evil.example"), ("host", "news.example")]),
            h(&[("origin", "null"), ("host", "news.example")]),
            h(&[
                ("origin", "https://news.example.evil"),
                ("host", "news.example"),
            ]),
            h(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://news.example"),
                ("host", "news.example"),
            ]),
            h(&[("sec-fetch-site", "same-site")]),
        ] {
            assert!(!csrf_ok(&bad, "", false), "{bad:?}");
        }
        // A cross-site request is refused even with a valid token.
        let t = secret::random_token();
        let mut cross = h(&[("sec-fetch-site", "cross-site")]);
        cross.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("mh_csrf={t}")).unwrap(),
        );
        assert!(!csrf_ok(&cross, &t, false));
    }
}

//! Cookies: the session (opaque, server-side), CSRF (double submit) and the pending sign-in.
//!
//! Every cookie is HttpOnly, SameSite=Lax, Path=/, and Secure when the site is served over
//! HTTPS (`MASTHEAD_PUBLIC_URL` starts with https://).

use axum::http::{HeaderMap, HeaderValue, header};
use masthead_core::secret;

pub const SESSION: &str = "mh_session";
pub const CSRF: &str = "mh_csrf";
pub const PENDING: &str = "mh_pending";

/// The value of a cookie in the request, if present and plausible.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// A `Set-Cookie` value; `max_age` None makes a session cookie, Some(0) deletes.
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
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
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    get(headers, SESSION).filter(|t| secret::looks_like_token(t))
}

/// The browser's CSRF token, and whether it had to be made (then it must be set).
pub fn csrf_token(headers: &HeaderMap) -> (String, bool) {
    match get(headers, CSRF).filter(|t| secret::looks_like_token(t)) {
        Some(t) => (t.to_owned(), false),
        None => (secret::random_token(), true),
    }
}

/// A form's CSRF field matches the browser's cookie.
pub fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    match get(headers, CSRF) {
        Some(cookie) => {
            secret::looks_like_token(cookie) && secret::secrets_equal(cookie, submitted)
        }
        None => false,
    }
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
        assert_eq!(get(&h, "mh_csrf"), Some("abc"));
        assert_eq!(get(&h, "b"), Some("2"));
        assert_eq!(get(&h, "zz"), None);
        assert!(!csrf_ok(&h, "abc"), "not a token of ours");
        let t = secret::random_token();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("mh_csrf={t}")).unwrap(),
        );
        assert!(csrf_ok(&h, &t));
        assert!(!csrf_ok(&h, &secret::random_token()));
    }

    #[test]
    fn cookie_attributes() {
        let c = set(SESSION, "x", Some(60), true);
        assert_eq!(
            c,
            "mh_session=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert_eq!(
            delete(CSRF, false),
            "mh_csrf=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        );
    }
}

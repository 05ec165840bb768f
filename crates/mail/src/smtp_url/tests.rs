use super::*;

fn parse(url: &str) -> SmtpSettings {
    SmtpSettings::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn problem(url: &str) -> String {
    match SmtpSettings::parse(url) {
        Ok(s) => panic!("{url} should be refused, got {s:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn smtp_with_credentials_requires_starttls() {
    let s = parse("smtp://user:pass@mail.example.org:587");
    assert_eq!(s.scheme, "smtp");
    assert_eq!(s.host, "mail.example.org");
    assert_eq!(s.port, 587);
    assert_eq!(s.tls, TlsMode::StartTls);
    assert_eq!(s.credentials, Some(("user".into(), "pass".into())));
    // The default port for submission with STARTTLS.
    assert_eq!(parse("smtp://user:pass@mail.example.org").port, 587);
    assert_eq!(
        parse("smtp://user:pass@mail.example.org?tls=starttls").tls,
        TlsMode::StartTls
    );
}

#[test]
fn smtps_is_implicit_tls_on_465() {
    let s = parse("smtps://user:pass@mail.example.org");
    assert_eq!((s.scheme, s.port, s.tls), ("smtps", 465, TlsMode::Implicit));
    assert_eq!(parse("SMTPS://mail.example.org:2465/").port, 2465);
}

#[test]
fn smtp_without_credentials_is_opportunistic_or_plain() {
    let s = parse("smtp://relay.internal");
    assert_eq!(
        (s.port, s.tls, s.credentials),
        (25, TlsMode::Opportunistic, None)
    );
    let s = parse("smtp://127.0.0.1:2525?tls=none");
    assert_eq!(
        (s.host.as_str(), s.port, s.tls),
        ("127.0.0.1", 2525, TlsMode::None)
    );
    let s = parse("smtp://localhost:1025/?tls=opportunistic");
    assert_eq!((s.port, s.tls), (1025, TlsMode::Opportunistic));
    // Credentials in the clear only when asked for by name.
    let s = parse("smtp://u:p@127.0.0.1:2525?tls=none");
    assert_eq!(s.tls, TlsMode::None);
    assert!(s.credentials.is_some());
}

#[test]
fn ipv6_hosts() {
    let s = parse("smtp://[::1]:2525?tls=none");
    assert_eq!((s.host.as_str(), s.port), ("::1", 2525));
    assert_eq!(s.describe(), "smtp://[::1]:2525 (no TLS)");
    assert_eq!(parse("smtp://[2001:db8::1]").port, 25);
}

#[test]
fn credentials_are_percent_decoded() {
    let s = parse("smtp://news%40example.org:p%40ss%3Aw%2Frd%25%F0%9F%94%91@mail.example.org");
    assert_eq!(
        s.credentials,
        Some(("news@example.org".into(), "p@ss:w/rd%🔑".into()))
    );
    // An unencoded @ in the password: the host follows the last one.
    let s = parse("smtp://user:p@ss@mail.example.org:587");
    assert_eq!(s.host, "mail.example.org");
    assert_eq!(s.credentials, Some(("user".into(), "p@ss".into())));
    // `+` is not a space in a URL's user part.
    assert_eq!(
        parse("smtp://a+b:c+d@h").credentials,
        Some(("a+b".into(), "c+d".into()))
    );
}

#[test]
fn describe_masks_the_password() {
    let s = parse("smtp://user:hunter2@mail.example.org:587");
    assert_eq!(
        s.describe(),
        "smtp://user:****@mail.example.org:587 (STARTTLS)"
    );
    assert_eq!(
        parse("smtps://mail.example.org").describe(),
        "smtps://mail.example.org:465 (implicit TLS)"
    );
    assert_eq!(
        parse("smtp://mail.example.org").describe(),
        "smtp://mail.example.org:25 (STARTTLS if offered)"
    );
    assert!(!format!("{s:?}").contains("hunter2"));
}

#[test]
fn malformed_urls_are_named_and_masked() {
    let cases = [
        ("", "empty"),
        ("mail.example.org:587", "expected smtp://"),
        (
            "http://user:secret@mail.example.org",
            "unsupported scheme \"http\"",
        ),
        ("smtp://", "host is missing"),
        ("smtp://user:secret@", "host is missing"),
        ("smtp://user:secret@:587", "host is missing"),
        ("smtp://user:secret@host:0", "port \"0\""),
        ("smtp://user:secret@host:70000", "port \"70000\""),
        ("smtp://user:secret@host:abc", "port \"abc\""),
        ("smtp://user:secret@host:", "port \"\""),
        ("smtp://user:secret@ho st", "not a host name"),
        ("smtp://user:secret@host/ehlo", "unexpected path"),
        ("smtp://user:secret@host?tls=maybe", "tls=\"maybe\""),
        ("smtp://user:secret@host?tls=none&tls=none", "twice"),
        (
            "smtp://user:secret@host?pool=3",
            "unknown parameter \"pool\"",
        ),
        ("smtp://user:secret@host#x", "fragment"),
        (
            "smtps://user:secret@host?tls=none",
            "smtps:// always uses implicit TLS",
        ),
        (
            "smtp://user:secret@host?tls=opportunistic",
            "STARTTLS is required",
        ),
        ("smtp://user@host", "needs a password"),
        ("smtp://user:@host", "password is empty"),
        (
            "smtp://:secret@host",
            "user name before the password is empty",
        ),
        (
            "smtp://user:sec%zzret@host",
            "password: a % must be followed",
        ),
        ("smtp://user:sec%ffret@host", "does not decode to UTF-8"),
        ("smtp://user:secret@[::1", "closing ]"),
        ("smtp://user:secret@[nope]:25", "not an IPv6 address"),
        ("smtp://user:secret@[::1]x", "after the IPv6 address"),
    ];
    for (url, expected) in cases {
        let message = problem(url);
        assert!(message.contains(expected), "{url:?}: {message}");
        assert!(
            !message.contains("secret"),
            "{url:?} leaks the password: {message}"
        );
        if url.contains("user:secret") {
            assert!(message.contains("user:****@"), "{url:?}: {message}");
        }
    }
}

#[test]
fn mask_password_survives_anything() {
    assert_eq!(mask_password("smtp://u:p@h"), "smtp://u:****@h");
    assert_eq!(mask_password("smtp://u:p@x@h"), "smtp://u:****@h");
    assert_eq!(mask_password("u:p@h"), "u:****@h");
    assert_eq!(mask_password("smtp://h:25"), "smtp://h:25");
    assert_eq!(mask_password("smtp://u@h"), "smtp://u@h");
    assert_eq!(mask_password("::@"), ":****@");
    assert_eq!(mask_password("é:ü@ß"), "é:****@ß");
}

#[test]
fn no_input_panics() {
    for url in [
        "smtp://%",
        "smtp://%4",
        "smtp://[",
        "smtp://]",
        "smtp://@",
        "smtp://:@",
        "smtp://?",
        "smtp://#",
        "smtp://h?=",
        "smtp://h?&&",
        "smtp://h?tls",
        "smtp://é:ü@ß",
        "://",
        "smtp:///",
        "smtp://[]:1",
    ] {
        let _ = SmtpSettings::parse(url);
    }
}

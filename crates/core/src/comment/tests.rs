use super::*;

fn body(s: &str) -> CommentBody {
    CommentBody::parse(s).unwrap()
}

#[test]
fn paragraphs_emphasis_and_links() {
    let b = body(
        "First *thought*.\nSame paragraph.\n\n**Second** with [a map](https://maps.example/x).",
    );
    assert_eq!(
        b.html,
        "<p>First <em>thought</em>.<br>\nSame paragraph.</p>\n<p><strong>Second</strong> with <a href=\"https://maps.example/x\" rel=\"nofollow ugc noopener\">a map</a>.</p>\n"
    );
    assert_eq!(b.links, 1);
}

#[test]
fn other_markdown_is_text() {
    let b = body("# Big\n\n- item\n\n![pic](https://x.example/p.png)\n\n`code`");
    assert!(!b.html.contains("<h1"), "{}", b.html);
    assert!(!b.html.contains("<li"), "{}", b.html);
    assert!(!b.html.contains("<img"), "{}", b.html);
    assert!(b.html.contains("Big") && b.html.contains("item") && b.html.contains("pic"));
}

#[test]
fn xss_payloads_are_inert() {
    let payloads = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)><circle/></svg>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "<div style=\"width: expression(alert(1))\">x</div>",
        "<p style=\"background:url(javascript:alert(1))\">x</p>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "\"><script>alert(1)</script>",
        "<body onload=alert(1)>",
        "[x](https://ok.example \"title\" onmouseover=alert(1))",
    ];
    for p in payloads {
        let b = body(p);
        let lower = b.html.to_lowercase();
        for bad in [
            "<script",
            "<img",
            "<svg",
            "<iframe",
            "<div",
            "<math",
            "<body",
            "javascript:",
            "vbscript:",
            "data:",
            "style=",
            "onload=",
            "onerror=",
            "onmouseover=",
            "expression(",
        ] {
            // Text that merely mentions these is escaped (&lt;script…), never markup.
            let as_markup = lower.contains(bad) && !bad.starts_with('<');
            assert!(
                !(bad.starts_with('<') && lower.contains(bad)),
                "{p} -> {}",
                b.html
            );
            if as_markup {
                // Attribute-like text must sit outside any tag: check there is no tag
                // carrying it.
                let in_tag = lower
                    .split('<')
                    .skip(1)
                    .any(|t| t.split('>').next().unwrap_or("").contains(bad));
                assert!(!in_tag, "{p} -> {}", b.html);
            }
        }
    }
}

#[test]
fn bad_input_is_refused_with_a_message() {
    assert!(
        CommentBody::parse("   \n ")
            .unwrap_err()
            .0
            .contains("empty")
    );
    let long = "a".repeat(MAX_CHARS + 1);
    assert!(
        CommentBody::parse(&long)
            .unwrap_err()
            .0
            .contains("limit is 2000")
    );
    assert!(
        CommentBody::parse(&"é".repeat(MAX_CHARS)).is_ok(),
        "counted in characters"
    );
    assert!(CommentBody::parse("nul \0 byte").is_err());
    assert!(CommentBody::parse("bell \u{7}").is_err());
}

#[test]
fn display_names() {
    assert_eq!(
        parse_display_name("  Ana   Ribeiro ").unwrap(),
        "Ana Ribeiro"
    );
    assert!(parse_display_name("A").is_err());
    assert!(parse_display_name(&"x".repeat(41)).is_err());
}

#[test]
fn word_matching_is_whole_word_and_case_insensitive() {
    let list = parse_word_list("Ass, bad word\n\n");
    assert_eq!(list, vec!["ass".to_string(), "bad word".to_string()]);
    assert_eq!(find_word("What a BAD   word!", &list), Some("bad word"));
    assert_eq!(find_word("A class act", &list), None);
    assert_eq!(find_word("ASS.", &list), Some("ass"));
    assert_eq!(find_word("badword", &list), None);
}

#[test]
fn moderation_decisions() {
    let mut s = ModerationSettings {
        banned_words: vec!["scum".into()],
        suspect_words: vec!["idiot".into()],
        ..Default::default()
    };
    let new = Writer {
        staff: false,
        approved_comments: 0,
    };
    let trusted = Writer {
        staff: false,
        approved_comments: 5,
    };
    let staff = Writer {
        staff: true,
        approved_comments: 0,
    };
    assert_eq!(decide(&s, new, &body("Fine words.")), Decision::Publish);
    assert!(matches!(
        decide(&s, trusted, &body("You scum")),
        Decision::Refuse(_)
    ));
    assert!(matches!(
        decide(&s, staff, &body("You scum")),
        Decision::Refuse(_)
    ));
    assert_eq!(
        decide(&s, trusted, &body("what an idiot")),
        Decision::Hold("suspect word: idiot".into())
    );
    assert_eq!(decide(&s, staff, &body("what an idiot")), Decision::Publish);
    let link = body("See [this](https://x.example)");
    assert_eq!(
        decide(&s, new, &link),
        Decision::Hold("link from a new commenter".into())
    );
    assert_eq!(decide(&s, trusted, &link), Decision::Publish);
    s.hold_links = false;
    assert_eq!(decide(&s, new, &link), Decision::Publish);
    s.mode = ModerationMode::PreNew;
    assert_eq!(
        decide(&s, new, &body("hi")),
        Decision::Hold("new commenter".into())
    );
    assert_eq!(decide(&s, trusted, &body("hi")), Decision::Publish);
    s.mode = ModerationMode::PreAll;
    assert_eq!(
        decide(&s, trusted, &body("hi")),
        Decision::Hold("pre-moderation".into())
    );
    assert_eq!(decide(&s, staff, &body("hi")), Decision::Publish);
}

#[test]
fn thresholds_windows_and_standing() {
    assert!(!reports_hide(2, 3));
    assert!(reports_hide(3, 3));
    assert!(!reports_hide(100, 0), "0 turns hiding off");
    assert!(can_edit(1_000, 1_000 + EDIT_WINDOW_MS));
    assert!(!can_edit(1_000, 1_001 + EDIT_WINDOW_MS));
    let tz = jiff::tz::TimeZone::UTC;
    assert!(Standing::default().may_post(0, &tz).is_ok());
    let banned = Standing {
        banned: true,
        suspended_until: None,
    };
    assert!(banned.may_post(0, &tz).unwrap_err().0.contains("banned"));
    let suspended = Standing {
        banned: false,
        suspended_until: Some(86_400_000),
    };
    let msg = suspended.may_post(0, &tz).unwrap_err().0;
    assert!(msg.contains("2 January 1970 at 00:00"), "{msg}");
    assert!(suspended.may_post(86_400_001, &tz).is_ok());
    assert_eq!(
        ModerationMode::parse("pre_new"),
        Some(ModerationMode::PreNew)
    );
    assert_eq!(ReportReason::parse("spam"), Some(ReportReason::Spam));
    assert_eq!(ReportReason::parse("nope"), None);
}

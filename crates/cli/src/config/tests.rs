use super::*;

#[test]
fn debug_never_shows_the_secrets_of_masthead_toml() {
    let file: FileConfig = toml::from_str(
        r#"
        database_url = "postgres://news:db-password@db.example/news"
        smtp_url = "smtps://mailer:smtp-password@mail.example"
        metrics_token = "metrics-token-value"
        "#,
    )
    .unwrap();
    let settings = Settings {
        data_dir: "/data".into(),
        database_url: file.database_url.clone(),
        file,
    };
    let shown = format!("{settings:?}");
    for secret in ["db-password", "smtp-password", "metrics-token-value"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert_eq!(
        settings.database_url(),
        "postgres://news:db-password@db.example/news"
    );
}

#[test]
fn staff_sessions_last_from_one_hour_to_a_week() {
    let settings = |text: &str| Settings {
        data_dir: "/data".into(),
        database_url: None,
        file: toml::from_str(text).unwrap(),
    };
    assert_eq!(settings("").staff_session_hours(12).unwrap(), 12);
    assert_eq!(
        settings("staff_session_hours = 8")
            .staff_session_hours(12)
            .unwrap(),
        8
    );
    for bad in ["staff_session_hours = 0", "staff_session_hours = 169"] {
        let e = settings(bad).staff_session_hours(12).unwrap_err();
        assert!(format!("{e:#}").contains("from 1 to 168"), "{bad}: {e:#}");
    }
}

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

//! [`EmailTemplates`]: each email is a folder `NAME/` with `subject.txt`, `body.txt` and
//! `body.html`, rendered with minijinja. The default theme's emails are embedded in the binary;
//! a theme directory overrides them file by file (`DIR/email/NAME/body.html`, …), read once at
//! start. Only `.html` files are HTML-escaped; the text parts and the subject are plain text.
//! A variable the template uses but the context lacks is an error, not an empty string.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use include_dir::{Dir, include_dir};
use minijinja::{Environment, UndefinedBehavior, Value};

use crate::MailError;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../themes/default/email");

/// The three files every email has.
const PARTS: [&str; 3] = ["subject.txt", "body.txt", "body.html"];

/// The email templates, compiled. Cheap to clone.
#[derive(Clone)]
pub struct EmailTemplates {
    env: Arc<Environment<'static>>,
    /// The names of the emails (folders with all three parts), sorted.
    names: Arc<Vec<String>>,
}

impl std::fmt::Debug for EmailTemplates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailTemplates")
            .field("names", &self.names)
            .finish()
    }
}

impl EmailTemplates {
    /// The embedded templates, with `override_dir/email/…` files (when given) replacing them.
    /// Templates are compiled here, so a syntax error in a theme is reported at start.
    pub fn load(override_dir: Option<&Path>) -> Result<Self, MailError> {
        let mut sources = BTreeMap::new();
        collect_embedded(&EMBEDDED, &mut sources)?;
        if let Some(dir) = override_dir {
            if !dir.is_dir() {
                return Err(MailError::Template {
                    name: dir.display().to_string(),
                    problem: "the theme directory does not exist".to_owned(),
                });
            }
            let email_dir = dir.join("email");
            if email_dir.is_dir() {
                collect_dir(&email_dir, "", &mut sources)?;
            }
        }

        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        for (name, source) in &sources {
            env.add_template_owned(name.clone(), source.clone())
                .map_err(|e| template_error(name, &e))?;
        }

        let mut names = Vec::new();
        for name in sources.keys() {
            if let Some(email) = name.strip_suffix("/subject.txt") {
                for part in PARTS {
                    if !sources.contains_key(&format!("{email}/{part}")) {
                        return Err(MailError::Template {
                            name: email.to_owned(),
                            problem: format!("{email}/{part} is missing"),
                        });
                    }
                }
                names.push(email.to_owned());
            }
        }
        Ok(Self {
            env: Arc::new(env),
            names: Arc::new(names),
        })
    }

    /// The emails that can be rendered, sorted.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Renders email `name` with `ctx`: `(subject, text, html)`. The subject is trimmed to one
    /// line; the text ends with a newline.
    pub fn render(
        &self,
        name: &str,
        ctx: impl serde::Serialize,
    ) -> Result<(String, String, String), MailError> {
        if !self.names.iter().any(|n| n == name) {
            return Err(MailError::Template {
                name: name.to_owned(),
                problem: format!(
                    "no such email: expected {name}/subject.txt, body.txt and body.html in the theme's email folder (there are: {})",
                    self.names.join(", ")
                ),
            });
        }
        let ctx = Value::from_serialize(&ctx);
        let render = |part: &str| {
            let file = format!("{name}/{part}");
            self.env
                .get_template(&file)
                .and_then(|t| t.render(&ctx))
                .map_err(|e| template_error(&file, &e))
        };
        let subject = render("subject.txt")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut text = render("body.txt")?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let html = render("body.html")?;
        Ok((subject, text, html))
    }
}

/// A minijinja error with its cause chain and position, as one line.
fn template_error(file: &str, error: &minijinja::Error) -> MailError {
    let mut problem = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        problem.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    MailError::Template {
        name: file.to_owned(),
        problem,
    }
}

fn collect_embedded(
    dir: &Dir<'static>,
    out: &mut BTreeMap<String, String>,
) -> Result<(), MailError> {
    for file in dir.files() {
        let name = file.path().to_string_lossy().replace('\\', "/");
        let source = file.contents_utf8().ok_or_else(|| MailError::Template {
            name: name.clone(),
            problem: "the embedded template is not UTF-8".to_owned(),
        })?;
        out.insert(name, source.to_owned());
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out)?;
    }
    Ok(())
}

fn collect_dir(
    dir: &Path,
    prefix: &str,
    out: &mut BTreeMap<String, String>,
) -> Result<(), MailError> {
    let io_error = |path: &Path, e: std::io::Error| MailError::Template {
        name: path.display().to_string(),
        problem: format!("cannot read the theme's email template: {e}"),
    };
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let path = entry.path();
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if file_name.starts_with('.') {
            continue;
        }
        let name = format!("{prefix}{file_name}");
        if path.is_dir() {
            collect_dir(&path, &format!("{name}/"), out)?;
        } else {
            let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
            let source = String::from_utf8(bytes).map_err(|_| MailError::Template {
                name: path.display().to_string(),
                problem: "the template is not UTF-8".to_owned(),
            })?;
            out.insert(name, source);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code_context(email: &str) -> serde_json::Value {
        json!({
            "site_name": "The Meridian Courier",
            "link": "https://courier.example/account/verify?token=abc&next=%2F",
            "code": "1234 5678",
            "expires_minutes": 15,
            "email": email,
        })
    }

    fn templates() -> EmailTemplates {
        EmailTemplates::load(None).unwrap()
    }

    #[test]
    fn the_default_theme_has_its_emails() {
        assert_eq!(
            templates().names(),
            [
                "change_email",
                "comment_reply",
                "daily_edition",
                "email_changed",
                "identity_linked",
                "identity_unlinked",
                "link_identity",
                "no_account",
                "register",
                "sign_in",
                "staff_invite"
            ]
        );
    }

    #[test]
    fn sign_in_renders_link_code_and_expiry() {
        let (subject, text, html) = templates()
            .render("sign_in", code_context("ana@example.com"))
            .unwrap();
        assert_eq!(subject, "Your sign-in link for The Meridian Courier");
        for part in [&text, &html] {
            assert!(part.contains("1234 5678"), "{part}");
            assert!(part.contains("15 minutes"), "{part}");
            assert!(part.contains("ana@example.com"), "{part}");
        }
        assert!(text.contains("https://courier.example/account/verify?token=abc&next=%2F\n"));
        // The link in the HTML is escaped but the same link, as a button and written out.
        let escaped =
            "https:&#x2f;&#x2f;courier.example&#x2f;account&#x2f;verify?token=abc&amp;next=%2F";
        assert_eq!(
            html.matches(&format!("href=\"{escaped}\"")).count(),
            2,
            "{html}"
        );
        assert!(html.contains(&format!(">{escaped}</a>")), "{html}");
        assert!(html.contains("<html lang=\"en\">"));
    }

    #[test]
    fn one_minute_is_singular() {
        let mut ctx = code_context("ana@example.com");
        ctx["expires_minutes"] = json!(1);
        let (_, text, _) = templates().render("sign_in", ctx).unwrap();
        assert!(text.contains("1 minute."), "{text}");
    }

    #[test]
    fn every_email_renders_with_its_context_and_a_footer() {
        let t = templates();
        let mut no_account = code_context("ana@example.com");
        no_account["code"] = json!(null);
        let mut link_identity = code_context("ana@example.com");
        link_identity["provider_name"] = json!("Google");
        let notice = json!({
            "site_name": "The Meridian Courier",
            "email": "ana@example.com",
            "provider_name": "Google",
            "at": "1 December 2026, 09:30",
            "account_link": "https://courier.example/account",
        });
        for (name, ctx) in [
            ("sign_in", code_context("ana@example.com")),
            ("register", code_context("ana@example.com")),
            ("change_email", code_context("ana@example.com")),
            ("no_account", no_account),
            ("link_identity", link_identity),
            ("identity_linked", notice.clone()),
            ("identity_unlinked", notice),
            (
                "email_changed",
                json!({
                    "site_name": "The Meridian Courier",
                    "old_email": "ana@example.com",
                    "new_email": "ana@new.example",
                    "changed_at": "1 December 2026, 09:30",
                }),
            ),
        ] {
            let (subject, text, html) = t.render(name, ctx).unwrap();
            assert!(
                subject.contains("The Meridian Courier"),
                "{name}: {subject}"
            );
            assert!(!subject.contains('\n'), "{name}: {subject}");
            assert!(
                text.contains("You received this email because"),
                "{name}: {text}"
            );
            assert!(
                html.contains("You received this email because"),
                "{name}: {html}"
            );
            assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
            assert!(!html.contains("<img"), "{name}: no external images");
        }
        let (subject, text, _) = t
            .render("register", code_context("ana@example.com"))
            .unwrap();
        assert_eq!(
            subject,
            "Confirm your email to finish registering with The Meridian Courier"
        );
        assert!(text.contains("Daily Edition"), "{text}");
        assert!(text.contains("account page"), "{text}");
    }

    #[test]
    fn html_escapes_and_text_does_not() {
        let evil = "<script>alert(1)</script>@example.com";
        let mut ctx = code_context(evil);
        ctx["site_name"] = json!("Tom & Jerry's <Gazette>");
        let (subject, text, html) = templates().render("sign_in", ctx).unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(
            html.contains("Tom &amp; Jerry&#x27;s &lt;Gazette&gt;"),
            "{html}"
        );
        // Plain text is not HTML: escaping it would show `&amp;` to the reader.
        assert_eq!(subject, "Your sign-in link for Tom & Jerry's <Gazette>");
        assert!(text.contains(evil), "{text}");
    }

    #[test]
    fn a_missing_template_is_a_clear_error() {
        let err = templates().render("password_reset", json!({})).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("\"password_reset\""), "{message}");
        assert!(message.contains("no such email"), "{message}");
        assert!(message.contains("sign_in"), "{message}");
        assert!(err.is_permanent());
    }

    #[test]
    fn a_missing_variable_is_an_error() {
        let err = templates()
            .render("sign_in", json!({"site_name": "X", "email": "a@b.example"}))
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("sign_in/"), "{message}");
        assert!(message.contains("undefined"), "{message}");
    }

    #[test]
    fn a_theme_overrides_file_by_file() {
        let dir = tempfile::tempdir().unwrap();
        let email = dir.path().join("email/sign_in");
        std::fs::create_dir_all(&email).unwrap();
        std::fs::write(
            email.join("subject.txt"),
            "Sign in to {{ site_name }} now\n",
        )
        .unwrap();
        let t = EmailTemplates::load(Some(dir.path())).unwrap();
        let (subject, text, _) = t
            .render("sign_in", code_context("ana@example.com"))
            .unwrap();
        assert_eq!(subject, "Sign in to The Meridian Courier now");
        // The other parts are still the embedded ones.
        assert!(text.contains("1234 5678"));

        // A new email in the theme must have all three parts.
        let extra = dir.path().join("email/digest");
        std::fs::create_dir_all(&extra).unwrap();
        std::fs::write(extra.join("subject.txt"), "Digest").unwrap();
        let err = EmailTemplates::load(Some(dir.path())).unwrap_err();
        assert!(
            err.to_string().contains("digest/body.txt is missing"),
            "{err}"
        );

        // A syntax error is reported at load, with the file's name.
        std::fs::remove_dir_all(&extra).unwrap();
        std::fs::write(email.join("body.html"), "{% if %}").unwrap();
        let err = EmailTemplates::load(Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("sign_in/body.html"), "{err}");

        // A theme without an email folder changes nothing; a missing theme is an error.
        let empty = tempfile::tempdir().unwrap();
        assert!(EmailTemplates::load(Some(empty.path())).is_ok());
        assert!(EmailTemplates::load(Some(&empty.path().join("nope"))).is_err());
    }
}

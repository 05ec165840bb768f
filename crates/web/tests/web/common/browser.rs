//! A browser for end-to-end tests: a cookie jar, forms submitted with their CSRF token, and
//! the sign-in emails read off a real SMTP server (aiosmtpd on loopback).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use masthead_mail::testing::SmtpServer;

use super::{TestApp, spawn_app_with};

pub struct Browser {
    pub client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Browser {
    pub fn new() -> Self {
        masthead_web::install_tls_provider();
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { client, jar }
    }

    /// Sets a cookie (`name=value`) for the app, as a response of it would.
    pub fn set_cookie(&self, app: &TestApp, cookie: &str) {
        let url = app.url("/").parse().unwrap();
        self.jar.add_cookie_str(&format!("{cookie}; Path=/"), &url);
    }

    /// The `Cookie` header this browser sends to the app (for requests written by hand).
    pub fn cookie_header(&self, app: &TestApp) -> String {
        use reqwest::cookie::CookieStore;
        self.jar
            .cookies(&app.url("/").parse().unwrap())
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        let res = self.client.get(app.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// GETs a page with a form, then POSTs the form's fields with the page's CSRF token.
    pub async fn submit(
        &self,
        app: &TestApp,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let (status, html) = self.get(app, form_page).await;
        assert!(status < 500, "{form_page}: {status}");
        let csrf = csrf_of(&html);
        let mut body: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        body.extend_from_slice(fields);
        self.client
            .post(app.url(action))
            .form(&body)
            .send()
            .await
            .unwrap()
    }

    /// Spends an emailed link as the reader's button does: GETs `form_page` for this browser's
    /// CSRF token, then POSTs the link's token.
    pub async fn post_link(&self, app: &TestApp, form_page: &str, link: &str) -> reqwest::Response {
        let (_, page) = self.get(app, form_page).await;
        let token = link.split("token=").nth(1).unwrap_or_default();
        self.client
            .post(app.url("/sign-in/link"))
            .form(&[("csrf", csrf_of(&page).as_str()), ("token", token)])
            .send()
            .await
            .unwrap()
    }

    pub async fn signed_in_as(&self, app: &TestApp) -> Option<String> {
        let (status, html) = self.get(app, "/account").await;
        (status == 200).then(|| {
            html.split("class=\"email-address\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned()
        })
    }
}

pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub async fn spawn_with_smtp() -> (TestApp, SmtpServer) {
    spawn_with_smtp_and(|_| {}).await
}

/// The app sending its email to a real SMTP server, with more configuration.
pub async fn spawn_with_smtp_and(
    configure: impl FnOnce(&mut masthead_web::WebConfig),
) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start();
    let url = smtp.url.clone();
    let app = spawn_app_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_from = "The Test Tribune <news@tribune.example>".into();
        configure(c);
    })
    .await;
    (app, smtp)
}

/// Waits for the `n`th message (1-based) to `to`.
pub async fn email_to(
    smtp: &SmtpServer,
    to: &str,
    n: usize,
) -> masthead_mail::testing::ParsedMessage {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut msgs: Vec<_> = smtp
            .messages()
            .into_iter()
            .filter(|m| m.to.trim_matches(['<', '>', ' ']).eq_ignore_ascii_case(to))
            .collect();
        if msgs.len() >= n {
            return msgs.remove(n - 1);
        }
        assert!(
            Instant::now() < deadline,
            "no email #{n} to {to}; have {:?}",
            smtp.messages()
                .iter()
                .map(|m| (&m.to, &m.subject))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn link_in(text: &str) -> String {
    let start = text.find("/sign-in/link?token=").expect("a sign-in link");
    let token: String = text[start + "/sign-in/link?token=".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("/sign-in/link?token={token}")
}

pub fn code_in(text: &str) -> String {
    // The first run of 8 digits (possibly written as "1234 5678").
    let digits: Vec<(usize, char)> = text.char_indices().collect();
    for (i, _) in digits.iter().enumerate() {
        let candidate: String = digits[i..].iter().map(|(_, c)| *c).take(9).collect();
        let compact: String = candidate.chars().filter(|c| c.is_ascii_digit()).collect();
        if compact.len() == 8
            && candidate.chars().next().is_some_and(|c| c.is_ascii_digit())
            && (candidate.len() == 9 && candidate.chars().filter(|c| *c == ' ').count() <= 1)
        {
            return compact;
        }
    }
    panic!("no code in {text}");
}

/// Registers (or, for a known address, signs in) `browser` through the emailed link.
pub async fn register(app: &TestApp, smtp: &SmtpServer, browser: &Browser, email: &str) {
    let before = smtp
        .messages()
        .iter()
        .filter(|m| {
            m.to.trim_matches(['<', '>', ' '])
                .eq_ignore_ascii_case(email)
        })
        .count();
    let res = browser
        .submit(
            app,
            "/register",
            "/register",
            &[("email", email), ("daily_edition", "on")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let msg = email_to(smtp, email, before + 1).await;
    let link = link_in(&msg.text);
    let res = browser.post_link(app, &link, &link).await;
    assert_eq!(res.status(), 303);
}

//! The newsroom in a real browser (chromium through chromedriver, `crate::chromium`): the
//! editor's autosave with its script on, the same form with script off, passkeys through
//! Chromium's virtual authenticator, `photos.js` (a dropped upload, the focal point click), and
//! axe-core on every newsroom and reader page.

mod axe;
mod editor;
mod passkeys;
mod photos;

use crate::common::{TestApp, spawn_app_with};

/// The app on `http://localhost:PORT`, with that as its public URL: browsers accept
/// `localhost` (not an IP address) as a WebAuthn relying party, and it is a secure context
/// over plain HTTP. Returns the app and its base URL.
pub async fn localhost_app() -> (TestApp, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://localhost:{port}");
    let public = base.clone();
    let app = spawn_app_with(move |c| {
        c.listen = format!("127.0.0.1:{port}");
        c.public_url = public;
    })
    .await;
    (app, base)
}

/// The article id in an editor URL (`/newsroom/articles/ID?…`).
pub fn article_id_in(url: &str) -> String {
    url.split("/newsroom/articles/")
        .nth(1)
        .and_then(|s| s.split(['?', '/', '#']).next())
        .unwrap_or_else(|| panic!("not an editor URL: {url}"))
        .to_owned()
}

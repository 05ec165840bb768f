//! The publication's settings (admins): name, tagline, time zone, free metered articles, and
//! whether staff may sign in with OpenID providers (unlike the others, read at each sign-in,
//! so it takes effect at once). Bad
//! values re-render the form with the input and a message beside the field (400); a save writes
//! only what changed, each change audited (`masthead_store::site_settings`).

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::Role;
use masthead_store::{
    identities::STAFF_MAY_USE_PROVIDERS,
    site_settings::{METER_FREE, SITE_NAME, SITE_TAGLINE, SITE_TIME_ZONE},
};
use serde::Deserialize;

use crate::{
    AppState,
    error::WebError,
    newsroom::staff::actor_of,
    session::{Capability, CsrfForm, Staff},
};

/// Changing settings: admins (`Role::can_change_settings`).
pub struct ChangeSettings;

impl Capability for ChangeSettings {
    const HOME: &'static str = "/newsroom/settings";
    const DENIED_TITLE: &'static str = "For admins only";
    const DENIED_MESSAGE: &'static str =
        "Only the newsroom's admins change the publication's settings.";

    fn allows(role: Role) -> bool {
        role.can_change_settings()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    site_name: String,
    #[serde(default)]
    tagline: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    meter_free: String,
    /// The checkbox: staff may sign in with the site's OpenID providers.
    #[serde(default)]
    staff_providers: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[derive(Default, serde::Serialize)]
struct Errors {
    site_name: Option<String>,
    tagline: Option<String>,
    time_zone: Option<String>,
    meter_free: Option<String>,
}

impl Errors {
    fn any(&self) -> bool {
        self.site_name.is_some()
            || self.tagline.is_some()
            || self.time_zone.is_some()
            || self.meter_free.is_some()
    }
}

fn validate(f: &SettingsForm) -> Result<Vec<(&'static str, String)>, Errors> {
    let mut e = Errors::default();
    let name = f.site_name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        e.site_name = Some("The publication's name has 1 to 120 characters.".into());
    }
    let tagline = f.tagline.trim();
    if tagline.chars().count() > 200 {
        e.tagline = Some("A tagline has at most 200 characters.".into());
    }
    let tz = f.time_zone.trim();
    if jiff::tz::TimeZone::get(tz).is_err() {
        e.time_zone = Some(
            "Unknown time zone: use an IANA name such as Europe/Lisbon or America/New_York.".into(),
        );
    }
    let meter = f.meter_free.trim();
    let free = meter.parse::<u32>().ok().filter(|n| *n <= 1000);
    if free.is_none() {
        e.meter_free = Some("A whole number from 0 (the wall at once) to 1000.".into());
    }
    if e.any() {
        return Err(e);
    }
    Ok(vec![
        (SITE_NAME, name.to_owned()),
        (SITE_TAGLINE, tagline.to_owned()),
        (SITE_TIME_ZONE, tz.to_owned()),
        (METER_FREE, free.unwrap_or_default().to_string()),
        // Off is stored as empty, so a first save with the box unticked writes nothing.
        (
            STAFF_MAY_USE_PROVIDERS,
            if f.staff_providers.is_some() { "1" } else { "" }.to_owned(),
        ),
    ])
}

async fn render(
    app: &AppState,
    headers: &HeaderMap,
    form: SettingsForm,
    errors: Errors,
    saved: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let c = &app.config;
    let ctx = minijinja::context! {
        form => minijinja::context! {
            site_name => form.site_name, tagline => form.tagline,
            time_zone => form.time_zone, meter_free => form.meter_free,
            staff_providers => form.staff_providers.is_some(),
        },
        providers => app.oidc.buttons(),
        errors,
        saved,
        require_passkeys => app.store.passkeys_required().await?,
        now => minijinja::context! {
            site_name => &c.site_name, tagline => &c.tagline,
            time_zone => c.time_zone.iana_name().unwrap_or("UTC"), meter_free => c.meter.free,
        },
    };
    crate::newsroom::layout_page(
        app,
        headers,
        "newsroom/settings.html",
        "Settings",
        "/newsroom/settings",
        status,
        ctx,
    )
    .await
}

pub async fn settings_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    _admin: Staff<ChangeSettings>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let stored = app
        .store
        .settings_of(&[SITE_NAME, SITE_TAGLINE, SITE_TIME_ZONE, METER_FREE])
        .await?;
    let staff_providers = app.store.staff_may_use_providers().await?;
    let c = &app.config;
    let or = |i: usize, now: String| stored[i].clone().unwrap_or(now);
    let form = SettingsForm {
        site_name: or(0, c.site_name.clone()),
        tagline: or(1, c.tagline.clone()),
        time_zone: or(2, c.time_zone.iana_name().unwrap_or("UTC").to_owned()),
        meter_free: or(3, c.meter.free.to_string()),
        staff_providers: staff_providers.then(|| "on".to_owned()),
    };
    let saved = q.saved.is_some();
    render(
        &app,
        &headers,
        form,
        Errors::default(),
        saved,
        StatusCode::OK,
    )
    .await
}

pub async fn save_settings(
    State(app): State<AppState>,
    headers: HeaderMap,
    admin: Staff<ChangeSettings>,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> Result<Response, WebError> {
    let values = match validate(&f) {
        Ok(v) => v,
        Err(errors) => {
            return render(&app, &headers, f, errors, false, StatusCode::BAD_REQUEST).await;
        }
    };
    let actor = actor_of(&app, &admin.session).await?;
    app.store.change_settings(&actor, &values).await?;
    Ok(Redirect::to("/newsroom/settings?saved=1").into_response())
}

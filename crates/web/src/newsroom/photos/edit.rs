//! A photo's page: `GET /newsroom/photos/{id}` (metadata, focal point, crops, the variants
//! made so far), `POST` to save it (every article's copy follows), `POST …/delete`, and
//! `POST /newsroom/articles/{id}/lead-photo` (from the library, or the photo's page when it
//! was opened from the editor).

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use masthead_core::{
    ArticleAction,
    photo::{display_credit, parse_crop, parse_focal},
};
use masthead_store::{
    newsroom::StaffMember,
    photos::{Deleted, LibraryPhoto, PhotoEdit},
};
use serde::Deserialize;

use super::{may_change, preview_url};
use crate::{
    AppState,
    error::WebError,
    newsroom::articles::{Writer, article_for, denied, page, staff_member, when},
    session::CsrfForm,
};

/// Longest accepted text of each field (characters).
const MAX_ALT: usize = 500;
const MAX_CAPTION: usize = 2000;
const MAX_SHORT: usize = 300;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PhotoQuery {
    notice: Option<String>,
    #[serde(rename = "for")]
    for_article: Option<String>,
}

/// The edit form as sent.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct PhotoForm {
    alt: String,
    decorative: Option<String>,
    caption: String,
    credit: String,
    photographer: String,
    agency: String,
    licence: String,
    focal_x: String,
    focal_y: String,
    crop_16x9: String,
    crop_4x3: String,
    crop_1x1: String,
}

impl PhotoForm {
    fn of(p: &LibraryPhoto) -> Self {
        let pct = |v: i64| {
            let s = format!("{:.1}", v as f64 / 10.0);
            s.trim_end_matches(".0").to_owned()
        };
        Self {
            alt: p.alt.clone(),
            decorative: p.decorative.then(|| "on".into()),
            caption: p.caption.clone(),
            credit: p.credit.clone(),
            photographer: p.photographer.clone(),
            agency: p.agency.clone(),
            licence: p.licence.clone(),
            focal_x: pct(p.focal_x),
            focal_y: pct(p.focal_y),
            crop_16x9: p.crop_16x9.clone().unwrap_or_default(),
            crop_4x3: p.crop_4x3.clone().unwrap_or_default(),
            crop_1x1: p.crop_1x1.clone().unwrap_or_default(),
        }
    }

    /// The checked edit, or every problem at once (field, message).
    fn check(&self, p: &LibraryPhoto) -> Result<PhotoEdit, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let size = (
            u32::try_from(p.width).unwrap_or(0),
            u32::try_from(p.height).unwrap_or(0),
        );
        let mut text = |field: &'static str, what: &str, value: &str, max: usize| {
            let v = value.trim();
            if v.chars().count() > max {
                errors.push((
                    field,
                    format!(
                        "The {what} is {} characters long; it can have at most {max}.",
                        v.chars().count()
                    ),
                ));
            }
            v.to_owned()
        };
        let alt = text("alt", "alt text", &self.alt, MAX_ALT);
        let caption = text("caption", "caption", &self.caption, MAX_CAPTION);
        let credit = text("credit", "credit", &self.credit, MAX_SHORT);
        let photographer = text(
            "photographer",
            "photographer's name",
            &self.photographer,
            MAX_SHORT,
        );
        let agency = text("agency", "agency", &self.agency, MAX_SHORT);
        let licence = text("licence", "licence note", &self.licence, MAX_CAPTION);
        let mut focal = |field: &'static str, what: &str, v: &str| match parse_focal(v, what) {
            Ok(v) => v,
            Err(m) => {
                errors.push((field, m));
                500
            }
        };
        let focal_x = focal("focal_x", "x", &self.focal_x);
        let focal_y = focal("focal_y", "y", &self.focal_y);
        let mut crop = |field: &'static str, v: &str, aspect| match parse_crop(v, aspect, size) {
            Ok(c) => c,
            Err(m) => {
                errors.push((field, m));
                None
            }
        };
        let crop_16x9 = crop("crop_16x9", &self.crop_16x9, (16, 9));
        let crop_4x3 = crop("crop_4x3", &self.crop_4x3, (4, 3));
        let crop_1x1 = crop("crop_1x1", &self.crop_1x1, (1, 1));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PhotoEdit {
            credit: display_credit(&credit, &photographer, &agency),
            alt,
            caption,
            photographer,
            agency,
            licence,
            decorative: self.decorative.is_some(),
            focal_x,
            focal_y,
            crop_16x9,
            crop_4x3,
            crop_1x1,
        })
    }
}

async fn photo_for(app: &AppState, id: &str) -> Result<LibraryPhoto, WebError> {
    app.store.library_photo(id).await?.ok_or(WebError::NotFound)
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "uploaded" => {
            "Uploaded. Its sizes for the site are being made; describe the photo below (alt text is needed before an article with it is published)."
        }
        "duplicate" => {
            "This photo is already in the library (the same file was uploaded before): here it is."
        }
        "saved" => "Saved. Every article that uses this photo shows the change.",
        _ => return None,
    })
}

pub async fn edit_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PhotoQuery>,
    w: Writer,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let photo = photo_for(&app, &id).await?;
    let form = PhotoForm::of(&photo);
    let notice = q.notice.as_deref().and_then(notice_text);
    render(
        &app,
        &headers,
        &staff,
        &photo,
        &form,
        &[],
        notice,
        q.for_article.as_deref(),
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render(
    app: &AppState,
    headers: &HeaderMap,
    staff: &StaffMember,
    photo: &LibraryPhoto,
    form: &PhotoForm,
    errors: &[(&'static str, String)],
    notice: Option<&str>,
    for_article: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let variants = app.store.variants_of(&[photo.file.as_str()]).await?;
    let crop_preview = |aspect: &str| {
        variants
            .iter()
            .filter(|v| v.aspect == aspect && v.format == "jpeg")
            .max_by_key(|v| v.width)
            .map(|v| minijinja::context! { url => crate::views::media_url(&v.media_key), width => v.width, height => v.height })
    };
    let for_article = match for_article.filter(|s| !s.is_empty()) {
        Some(id) => app
            .store
            .editor_article(id)
            .await?
            .map(|a| minijinja::context! { id => a.id, headline => a.draft.headline }),
        None => None,
    };
    let error_map: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|(f, m)| (*f, m.as_str())).collect();
    let error_list: Vec<_> = errors
        .iter()
        .map(|(f, m)| minijinja::context! { field => f, message => m })
        .collect();
    let ctx = minijinja::context! {
        photo => minijinja::context! {
            id => &photo.id,
            width => photo.width,
            height => photo.height,
            format => &photo.original_format,
            bytes => photo.original_bytes,
            uploaded => when(app, photo.created_at),
            embedded_caption => &photo.embedded_caption,
            embedded_credit => &photo.embedded_credit,
            embedded_copyright => &photo.embedded_copyright,
            preview => preview_url(&variants, 960),
            variant_count => variants.len(),
            crops => [("16:9", crop_preview("16:9")), ("4:3", crop_preview("4:3")), ("1:1", crop_preview("1:1"))]
                .into_iter()
                .map(|(label, p)| minijinja::context! { label => label, preview => p })
                .collect::<Vec<_>>(),
        },
        form => form,
        errors => error_map,
        error_list => error_list,
        notice => notice,
        may_change => may_change(staff, photo),
        for_article => for_article,
        photos_js => app.theme.static_url("photos.js"),
    };
    let title = if photo.caption.is_empty() {
        "Photo".to_owned()
    } else {
        format!(
            "Photo: {}",
            photo.caption.chars().take(60).collect::<String>()
        )
    };
    page(
        app,
        headers,
        staff,
        "newsroom/photo_edit.html",
        &title,
        &format!("/newsroom/photos/{}", photo.id),
        status,
        ctx,
    )
    .await
}

/// The alt-text rule for articles readers see: alt text may not be cleared (unless the photo is
/// marked decorative) while a published or scheduled article shows the photo, so a scheduled
/// publication never meets a photo it would refuse, and a published page never loses its alt.
/// Returns the field error when the edit would break it.
async fn alt_still_needed(
    app: &AppState,
    photo: &LibraryPhoto,
    edit: &PhotoEdit,
) -> Result<Option<(&'static str, String)>, WebError> {
    if !edit.alt.trim().is_empty() || edit.decorative {
        return Ok(None);
    }
    let live = app.store.live_articles_showing(&photo.id, 4).await?;
    let Some(first) = live.first() else {
        return Ok(None);
    };
    let more = match live.len() {
        1 => String::new(),
        n if n < 4 => format!(" and {} more", n - 1),
        _ => " and others".to_owned(),
    };
    Ok(Some((
        "alt",
        format!(
            "Alt text is needed: “{first}”{more} shows this photo and is published or scheduled. Describe the photo, or mark it decorative if it adds nothing a reader would miss."
        ),
    )))
}

pub async fn save(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    w: Writer,
    CsrfForm(form): CsrfForm<PhotoForm>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let photo = photo_for(&app, &id).await?;
    if !may_change(&staff, &photo) {
        return Err(denied(
            "This photo's details are changed by whoever uploaded it and by editors. Ask an editor.",
        ));
    }
    let checked = match form.check(&photo) {
        Ok(e) => match alt_still_needed(&app, &photo, &e).await? {
            None => Ok(e),
            Some(problem) => Err(vec![problem]),
        },
        Err(errors) => Err(errors),
    };
    let edit = match checked {
        Ok(e) => e,
        Err(errors) => {
            return render(
                &app,
                &headers,
                &staff,
                &photo,
                &form,
                &errors,
                None,
                None,
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    if !app
        .store
        .update_library_photo(&id, &edit, &staff.actor())
        .await?
    {
        return Err(WebError::NotFound);
    }
    app.jobs_wake.notify_one();
    app.refresh_content_epoch().await?;
    Ok(Redirect::to(&format!("/newsroom/photos/{id}?notice=saved")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Empty {}

pub async fn delete(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    w: Writer,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let photo = photo_for(&app, &id).await?;
    if !may_change(&staff, &photo) {
        return Err(denied(
            "Photos are deleted by whoever uploaded them and by editors. Ask an editor.",
        ));
    }
    match app.store.delete_library_photo(&id, &staff.actor()).await? {
        Deleted::Yes => Ok(Redirect::to("/newsroom/photos").into_response()),
        Deleted::NotFound => Err(WebError::NotFound),
        Deleted::InUse(n) => {
            let errors = [(
                "delete",
                format!(
                    "This photo is the lead photo of {n} article{}: choose another photo for {} first, then delete it.",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "it" } else { "them" }
                ),
            )];
            render(
                &app,
                &headers,
                &staff,
                &photo,
                &PhotoForm::of(&photo),
                &errors,
                None,
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttachForm {
    photo_id: String,
}

pub async fn attach(
    State(app): State<AppState>,
    Path(article_id): Path<String>,
    w: Writer,
    CsrfForm(form): CsrfForm<AttachForm>,
) -> Result<Response, WebError> {
    let staff = staff_member(&app, &w).await?;
    let article = article_for(&app, &staff, &article_id, ArticleAction::Edit).await?;
    if !app
        .store
        .attach_lead_photo(&article.id, form.photo_id.trim(), &staff.actor())
        .await?
    {
        return Err(WebError::BadRequest(
            "That photo is not in the library (it may have been deleted): choose another one."
                .into(),
        ));
    }
    app.refresh_content_epoch().await?;
    Ok(Redirect::to(&format!("/newsroom/articles/{}?notice=photo", article.id)).into_response())
}

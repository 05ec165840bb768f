//! The thread page: `/{section}/{slug}/comments?page=&sort=` (caching: see the module docs of
//! `comments`).

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{Path, Query, State, rejection::PathRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use masthead_store::comments::Sort;

use super::{
    PER_PAGE, ThreadData, ThreadHead,
    view::{self, Viewer},
};
use crate::{AppState, cache::CachedPage, error::WebError, session::MaybeReader, views};

#[derive(Debug, Default, serde::Deserialize)]
pub struct ThreadQuery {
    page: Option<String>,
    sort: Option<String>,
    reply: Option<String>,
    notice: Option<String>,
}

impl ThreadQuery {
    pub fn sort(&self) -> Result<Sort, WebError> {
        match self.sort.as_deref().map(str::trim) {
            None | Some("") => Ok(Sort::Oldest),
            Some(s) => Sort::parse(s).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "“{s}” is not a way to sort comments. Use oldest, newest or liked."
                ))
            }),
        }
    }

    pub fn page(&self) -> Result<i64, WebError> {
        parse_page(self.page.as_deref())
    }
}

pub fn parse_page(p: Option<&str>) -> Result<i64, WebError> {
    match p.map(str::trim) {
        None | Some("") => Ok(1),
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => Ok(n),
            _ => Err(WebError::BadRequest(format!(
                "“{p}” is not a page number. Page numbers are whole numbers from 1."
            ))),
        },
    }
}

/// What the reader typed and what went wrong, when a form is shown again.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct FormState {
    pub text: String,
    pub name: String,
    pub parent: Option<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// The article a thread belongs to (from memory, per content epoch); `None` if there is no
/// such published article.
pub async fn head(app: &AppState, slug: &str) -> Result<Option<Arc<ThreadHead>>, WebError> {
    let epoch = app.cache.epoch();
    if let Some((at, head)) = app.comments.heads.get(slug)
        && at == epoch
    {
        return Ok(head);
    }
    let head = app.store.published_article(slug).await?.map(|a| {
        Arc::new(ThreadHead {
            article_id: a.card.id,
            headline: a.card.headline,
            section_slug: a.card.section.slug,
            slug: a.card.slug,
            published_at: a.card.published_at,
        })
    });
    app.comments
        .heads
        .insert(slug.to_owned(), (epoch, head.clone()));
    Ok(head)
}

/// The page of the thread at its current version.
pub async fn data(
    app: &AppState,
    head: &ThreadHead,
    sort: Sort,
    page: i64,
) -> Result<(i64, Arc<ThreadData>), WebError> {
    let version = app.comments.version(&head.article_id);
    let key = format!("{}:{version}:{}:{page}", head.article_id, sort.as_str());
    if let Some(d) = app.comments.pages.get(&key) {
        return Ok((version, d));
    }
    let page = app
        .store
        .thread_page(&head.article_id, sort, PER_PAGE, (page - 1) * PER_PAGE)
        .await?;
    let closed_by_newsroom = app.store.thread_closed(&head.article_id).await?;
    let d = Arc::new(ThreadData {
        page,
        closed_by_newsroom,
    });
    app.comments.pages.insert(key, d.clone());
    Ok((version, d))
}

/// Whether the thread takes new comments: not closed by the newsroom, and younger than
/// `MASTHEAD_COMMENTS_CLOSE_AFTER_DAYS`.
pub fn is_open(app: &AppState, head: &ThreadHead, closed_by_newsroom: bool) -> bool {
    let days = app.config.comments.close_after_days;
    let by_age = days > 0 && masthead_store::now_ms() > head.published_at + days * 86_400_000;
    !closed_by_newsroom && !by_age
}

pub async fn thread_page(
    State(app): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    Query(q): Query<ThreadQuery>,
    headers: HeaderMap,
    MaybeReader(session): MaybeReader,
) -> Result<Response, WebError> {
    let Ok(Path((section, slug))) = path else {
        return Err(WebError::NotFound);
    };
    let head = head(&app, &slug).await?.ok_or(WebError::NotFound)?;
    if head.section_slug != section {
        return Ok(Redirect::permanent(&head.thread_path()).into_response());
    }
    let (sort, page) = (q.sort()?, q.page()?);
    let form = FormState {
        parent: q.reply.clone(),
        notice: q.notice.clone(),
        ..Default::default()
    };
    match session {
        None => anonymous(&app, &headers, &head, sort, page).await,
        Some(s) => {
            show(
                &app,
                &headers,
                &head,
                sort,
                page,
                &s.reader_id,
                form,
                StatusCode::OK,
            )
            .await
        }
    }
}

/// Anonymous readers all see the same page: cached finished, keyed by the thread's version.
async fn anonymous(
    app: &AppState,
    headers: &HeaderMap,
    head: &ThreadHead,
    sort: Sort,
    page: i64,
) -> Result<Response, WebError> {
    let version = app.comments.version(&head.article_id);
    let key = format!(
        "comments:{}:{version}:{}:{page}",
        head.article_id,
        sort.as_str()
    );
    let cached = app
        .cache
        .get_or_render(&key, async {
            let epoch = app.cache.epoch();
            let (_, d) = data(app, head, sort, page).await?;
            if page > 1 && d.page.top.is_empty() {
                return Ok::<_, WebError>(None);
            }
            let ctx = context(
                app,
                head,
                sort,
                page,
                &d,
                &Viewer::default(),
                None,
                &FormState::default(),
            );
            let html = render_html(app, head, false, "", ctx).await?;
            let modified = d
                .page
                .top
                .iter()
                .chain(&d.page.replies)
                .map(|c| c.edited_at.unwrap_or(c.created_at))
                .max()
                .unwrap_or(head.published_at);
            let path = view::thread_url(head, sort, page);
            Ok(Some(CachedPage::new(html, modified, epoch, path)))
        })
        .await?
        .ok_or(WebError::NotFound)?;
    let mut res = cached.respond(headers);
    // Thread pages change often: let shared caches hold them only briefly.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=10"),
    );
    Ok(res)
}

/// A reader's [`ViewerState`], with the thread version, time and sanctions count it was read at.
pub(crate) type ViewerEntry = (i64, Instant, i64, Arc<ViewerState>);

/// What a signed-in reader's view of a thread page needs of them.
pub struct ViewerState {
    liked: Vec<String>,
    commenter: masthead_store::comments::Commenter,
}

/// The reader's likes among the page's comments and their standing: from this node's copy when
/// it is of this thread version and younger than `SETTINGS_TTL` (a like changes the version; a
/// moderator's sanction reaches the page within that second), else two reads.
async fn viewer_state(
    app: &AppState,
    reader_id: &str,
    head: &ThreadHead,
    version: i64,
    sort: Sort,
    page: i64,
    d: &ThreadData,
) -> Result<Arc<ViewerState>, WebError> {
    let key = format!("{reader_id}:{}:{}:{page}", head.article_id, sort.as_str());
    let sanctions = app
        .comments
        .sanctions
        .load(std::sync::atomic::Ordering::Acquire);
    if let Some((v, at, s, state)) = app.comments.viewers.get(&key)
        && v == version
        && s == sanctions
        && at.elapsed() < super::SETTINGS_TTL
    {
        return Ok(state);
    }
    let state = Arc::new(ViewerState {
        liked: app.store.liked_by(reader_id, &d.ids()).await?,
        commenter: app.store.commenter(reader_id).await?,
    });
    app.comments
        .viewers
        .insert(key, (version, Instant::now(), sanctions, state.clone()));
    Ok(state)
}

/// A signed-in reader's view: their likes, their own edit and delete buttons, the forms.
///
/// The page depends on the reader only through a few facts: their likes and their own comments
/// (and which of those they may still edit) on this page, whether they have a display name,
/// their standing and a warning. Those facts, with the thread's version, sort and page, key a
/// rendered copy (with a marker for the CSRF token, put in per response), so most readers of a
/// page share one render and a reader reloading gets theirs without a render or a query.
/// Pages that show a form's state (an error, a notice, an open reply form) are rendered per
/// request.
#[allow(clippy::too_many_arguments)]
pub async fn show(
    app: &AppState,
    headers: &HeaderMap,
    head: &ThreadHead,
    sort: Sort,
    page: i64,
    reader_id: &str,
    form: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (version, d) = data(app, head, sort, page).await?;
    if page > 1 && d.page.top.is_empty() {
        return Err(WebError::NotFound);
    }
    let state = viewer_state(app, reader_id, head, version, sort, page, &d).await?;
    let now = masthead_store::now_ms();
    let commenter = &state.commenter;
    let standing = commenter
        .standing
        .may_post(now, &app.config.time_zone)
        .err()
        .map(|e| e.0);
    // A warning is shown for a month, beside the form.
    let warned = commenter
        .warned_at
        .is_some_and(|t| now - t < 30 * 86_400_000);
    let shared = status == StatusCode::OK
        && form.text.is_empty()
        && form.name.is_empty()
        && form.parent.is_none()
        && form.error.is_none()
        && form.notice.is_none();
    let key = shared.then(|| {
        let mut facts = format!(
            "{}|{}|{:?}|{warned}",
            version,
            commenter.display_name.is_some(),
            standing
        );
        for c in d.page.top.iter().chain(&d.page.replies) {
            let mine = c.reader_id.as_deref() == Some(reader_id);
            let liked = state.liked.contains(&c.id);
            if mine || liked {
                let editable = mine && masthead_core::comment::can_edit(c.created_at, now);
                facts.push_str(&format!("|{}:{mine}:{liked}:{editable}", c.id));
            }
        }
        let hash = xxhash_rust::xxh3::xxh3_64(facts.as_bytes());
        format!("{}:{}:{page}:{hash:016x}", head.article_id, sort.as_str())
    });
    let (csrf, new_csrf) = crate::session::cookies::csrf_token(headers, app.secure_cookies());
    if let Some(html) = key.as_ref().and_then(|k| app.comments.reader_pages.get(k)) {
        let html = html.replace(&app.comments.csrf_marker, &csrf);
        return Ok(views::form_response(app, status, html, &csrf, new_csrf));
    }
    let viewer = Viewer {
        reader_id: Some(reader_id.to_owned()),
        liked: state.liked.clone(),
    };
    let me = minijinja::context! {
        display_name => &commenter.display_name,
        standing_message => standing,
        warned,
    };
    let ctx = context(app, head, sort, page, &d, &viewer, Some(me), &form);
    let ctx = minijinja::context! { comments_js => app.theme.static_url("comments.js"), ..ctx };
    let title = format!("Comments: {}", head.headline);
    let path = view::thread_url(head, sort, page);
    let template = "comments/thread.html";
    let Some(key) = key else {
        let html = views::form_html(app, headers, template, &title, &path, &csrf, ctx).await?;
        return Ok(views::form_response(app, status, html, &csrf, new_csrf));
    };
    let marker = &app.comments.csrf_marker;
    let html = views::form_html(app, headers, template, &title, &path, marker, ctx).await?;
    let html = Arc::new(html);
    app.comments.reader_pages.insert(key, html.clone());
    let html = html.replace(marker, &csrf);
    Ok(views::form_response(app, status, html, &csrf, new_csrf))
}

#[allow(clippy::too_many_arguments)]
fn context(
    app: &AppState,
    head: &ThreadHead,
    sort: Sort,
    page: i64,
    d: &ThreadData,
    viewer: &Viewer,
    me: Option<minijinja::Value>,
    form: &FormState,
) -> minijinja::Value {
    let pagination = views::Pagination::new("", page, d.page.total_top, PER_PAGE);
    minijinja::context! {
        thread => minijinja::context! {
            headline => &head.headline,
            article_url => head.article_path(),
            url => head.thread_path(),
            here => view::thread_url(head, sort, page),
            total => d.page.total,
            open => is_open(app, head, d.closed_by_newsroom),
            sort => sort.as_str(),
            sorts => view::sort_links(head, sort),
            page,
            total_pages => pagination.total_pages,
            prev_url => (page > 1).then(|| view::thread_url(head, sort, page - 1)),
            next_url => (page < pagination.total_pages).then(|| view::thread_url(head, sort, page + 1)),
            comments => view::comments(app, d, viewer),
            max_chars => masthead_core::comment::MAX_CHARS,
        },
        me,
        form,
    }
}

/// The anonymous page has no CSRF token (it has no forms), so it can be shared.
async fn render_html(
    app: &AppState,
    head: &ThreadHead,
    signed_in: bool,
    csrf: &str,
    extra: minijinja::Value,
) -> Result<String, WebError> {
    let sections = app.sections().await?;
    let site = views::site_with(app, &sections);
    let title = format!("Comments: {}", head.headline);
    let ctx = minijinja::context! {
        site => &site,
        page => views::PageMeta::new(&site, &title, "", &head.thread_path()),
        now_year => views::now_year(app),
        signed_in,
        csrf,
        ..extra
    };
    Ok(app.theme.render("comments/thread.html", ctx)?)
}

//! The thread page: `/{section}/{slug}/comments?page=&sort=` (caching: see the module docs of
//! `comments`).

use std::sync::Arc;

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

/// A signed-in reader's view: their likes, their own edit and delete buttons, the forms.
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
    let (_, d) = data(app, head, sort, page).await?;
    if page > 1 && d.page.top.is_empty() {
        return Err(WebError::NotFound);
    }
    let liked = app.store.liked_by(reader_id, &d.ids()).await?;
    let commenter = app.store.commenter(reader_id).await?;
    let standing = commenter
        .standing
        .may_post(masthead_store::now_ms(), &app.config.time_zone)
        .err()
        .map(|e| e.0);
    let viewer = Viewer {
        reader_id: Some(reader_id.to_owned()),
        liked,
    };
    // A warning is shown for a month, beside the form.
    let warned = commenter
        .warned_at
        .is_some_and(|t| masthead_store::now_ms() - t < 30 * 86_400_000);
    let me = minijinja::context! {
        display_name => &commenter.display_name,
        standing_message => standing,
        warned,
    };
    let ctx = context(app, head, sort, page, &d, &viewer, Some(me), &form);
    let title = format!("Comments: {}", head.headline);
    view::render(
        app,
        headers,
        "comments/thread.html",
        &title,
        &view::thread_url(head, sort, page),
        status,
        ctx,
    )
    .await
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

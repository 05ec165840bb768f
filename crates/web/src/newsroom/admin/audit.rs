//! The audit log page (admins).

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use masthead_store::audit::AuditQuery;
use serde::Deserialize;

use crate::{AppState, error::WebError, newsroom::staff::ManageStaff, session::Staff};

const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    /// `KIND:ID`, as the entries link.
    target: Option<String>,
    /// `AT.ID` of the last entry of the previous page.
    before: Option<String>,
}

fn bad(what: &str) -> WebError {
    WebError::BadRequest(format!(
        "That {what} is not one this page makes. Start again from the audit log's first page."
    ))
}

pub async fn audit_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    _admin: Staff<ManageStaff>,
    Query(q): Query<AuditParams>,
) -> Result<Response, WebError> {
    let target = match q.target.as_deref().filter(|t| !t.is_empty()) {
        Some(t) if t.len() <= 200 => {
            let (kind, id) = t.split_once(':').ok_or_else(|| bad("filter"))?;
            Some((kind.to_owned(), id.to_owned()))
        }
        Some(_) => return Err(bad("filter")),
        None => None,
    };
    let before = match q.before.as_deref().filter(|b| !b.is_empty()) {
        Some(b) if b.len() <= 100 => {
            let (at, id) = b.split_once('.').ok_or_else(|| bad("page"))?;
            Some((at.parse::<i64>().map_err(|_| bad("page"))?, id.to_owned()))
        }
        Some(_) => return Err(bad("page")),
        None => None,
    };
    let rows = app
        .store
        .audit_entries(AuditQuery {
            target: target.as_ref().map(|(k, i)| (k.as_str(), i.as_str())),
            before: before.as_ref().map(|(at, id)| (*at, id.as_str())),
            limit: PAGE + 1,
        })
        .await?;
    let more = rows.len() as i64 > PAGE;
    let tz = &app.config.time_zone;
    let entries: Vec<minijinja::Value> = rows
        .iter()
        .take(PAGE as usize)
        .map(|e| {
            minijinja::context! {
                at => masthead_core::schedule::dateline(masthead_store::from_ms(e.at), tz),
                actor => &e.actor_label,
                actor_kind => e.actor_kind,
                action => &e.action,
                summary => &e.summary,
                before => &e.before,
                after => &e.after,
                target => e.target_id.as_ref().map(|id| format!("{}:{id}", e.target_kind)),
                target_kind => &e.target_kind,
            }
        })
        .collect();
    let next = more
        .then(|| rows.get(PAGE as usize - 1))
        .flatten()
        .map(|last| {
            let mut query = vec![("before", format!("{}.{}", last.at, last.id))];
            if let Some((k, i)) = &target {
                query.push(("target", format!("{k}:{i}")));
            }
            format!(
                "/newsroom/audit?{}",
                serde_urlencoded::to_string(&query).unwrap_or_default()
            )
        });
    let ctx = minijinja::context! {
        entries, next,
        filtered => target.as_ref().map(|(k, i)| format!("{k}:{i}")),
        filtered_kind => target.as_ref().map(|(k, _)| k.as_str()),
        first_page => before.is_none(),
    };
    crate::newsroom::layout_page(
        &app,
        &headers,
        "newsroom/audit.html",
        "Audit log",
        "/newsroom/audit",
        StatusCode::OK,
        ctx,
    )
    .await
}

//! What a new or edited comment becomes, decided the same way for both: the thread must be
//! open, the writer in good standing, the text valid; then the site's moderation settings
//! publish it, hold it for a moderator, or refuse it (`masthead_core::comment::decide`). No
//! HTTP here: the handlers turn a refusal into the form again with the reader's text.

use axum::http::StatusCode;
use masthead_core::{
    Role,
    comment::{self, CommentBody, Decision, ModerationSettings, Writer},
};
use masthead_store::comments::{Commenter, Status};

use super::{ThreadHead, thread};
use crate::AppState;

pub(super) enum Verdict {
    Accepted {
        body: CommentBody,
        status: Status,
        hold: Option<String>,
    },
    /// The status and what to tell the writer.
    Refused(StatusCode, String),
}

pub(super) fn decide(
    app: &AppState,
    head: &ThreadHead,
    settings: &ModerationSettings,
    commenter: &Commenter,
    role: Option<Role>,
    thread_closed: bool,
    text: &str,
) -> Verdict {
    if !thread::is_open(app, head, thread_closed) {
        let msg = "Comments on this article are closed.";
        return Verdict::Refused(StatusCode::FORBIDDEN, msg.into());
    }
    if let Err(e) = commenter
        .standing
        .may_post(masthead_store::now_ms(), &app.config.time_zone)
    {
        return Verdict::Refused(StatusCode::FORBIDDEN, e.0);
    }
    let body = match CommentBody::parse(text) {
        Ok(b) => b,
        Err(e) => return Verdict::Refused(StatusCode::BAD_REQUEST, e.0),
    };
    let writer = Writer {
        staff: role.is_some(),
        approved_comments: commenter.approved_count,
    };
    let (status, hold) = match comment::decide(settings, writer, &body) {
        Decision::Publish => (Status::Published, None),
        Decision::Hold(reason) => (Status::Pending, Some(reason)),
        Decision::Refuse(msg) => return Verdict::Refused(StatusCode::BAD_REQUEST, msg),
    };
    Verdict::Accepted { body, status, hold }
}

//! Asynchronous bounces and complaints, as the operator's mail forwarder passes them on: a
//! delivery status notification (DSN, RFC 3464: `multipart/report; report-type=delivery-status`)
//! or an abuse report (ARF, RFC 5965: `report-type=feedback-report`), parsed with mail-parser.
//!
//! Decisions:
//! - **Hard or soft.** A DSN recipient whose `Action` is `failed` with a `5.x.x` status is a hard
//!   bounce, except `5.2.2` (mailbox full), which, like any `4.x.x`, is soft: it may pass. A
//!   `delayed`, `delivered`, `relayed` or `expanded` action is not a bounce and is ignored.
//! - **Complaints.** Any ARF report is a complaint (whatever its `Feedback-Type`: abuse, fraud…
//!   all mean "stop"). The complainer is `Original-Rcpt-To`, or the `To` of the returned
//!   message (or headers) when the provider left it out.
//! - A message that is neither is `NotAReport` (the endpoint answers 422): a forwarder
//!   misconfigured to pass ordinary mail is noticed, not silently accepted.

use mail_parser::{MessageParser, MimeHeaders};

/// What a report says about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackKind {
    Hard,
    Soft,
    Complaint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub kind: FeedbackKind,
    /// The address as the report gives it (the caller parses it).
    pub recipient: String,
    /// The status and the remote server's words, for the reader's account page.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    #[error("not an RFC 5322 message")]
    Unreadable,
    #[error("not a delivery status notification (RFC 3464) or an abuse report (RFC 5965)")]
    NotAReport,
}

/// The bounces or the complaint a report carries (a DSN may name several recipients; the
/// ones that are not bounces are left out, so the list may be empty).
pub fn parse_report(raw: &[u8]) -> Result<Vec<Feedback>, FeedbackError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(FeedbackError::Unreadable)?;
    let mut status_part = None;
    let mut feedback_part = None;
    let mut returned_to = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let ctype = ct.ctype().to_ascii_lowercase();
        let subtype = ct.subtype().unwrap_or_default().to_ascii_lowercase();
        match (ctype.as_str(), subtype.as_str()) {
            ("message", "delivery-status") | ("message", "global-delivery-status") => {
                status_part = part.text_contents().map(str::to_owned);
            }
            ("message", "feedback-report") => {
                feedback_part = part.text_contents().map(str::to_owned);
            }
            ("message", "rfc822") | ("text", "rfc822-headers") => {
                let inner = MessageParser::default().parse(part.contents());
                returned_to = inner
                    .as_ref()
                    .and_then(|m| m.to())
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .map(str::to_owned);
            }
            _ => {}
        }
    }
    if let Some(report) = feedback_part {
        let fields = fields(&report);
        let recipient = field(&fields, "original-rcpt-to")
            .map(strip_type)
            .or(returned_to)
            .ok_or(FeedbackError::NotAReport)?;
        let kind = field(&fields, "feedback-type").unwrap_or_else(|| "abuse".to_owned());
        return Ok(vec![Feedback {
            kind: FeedbackKind::Complaint,
            recipient,
            detail: format!("a complaint ({kind}) from the reader's mail provider"),
        }]);
    }
    let report = status_part.ok_or(FeedbackError::NotAReport)?;
    let mut out = Vec::new();
    // Per-message fields first, then one block per recipient, separated by blank lines.
    for block in report.replace("\r\n", "\n").split("\n\n").skip(1) {
        let fields = fields(block);
        let Some(recipient) = field(&fields, "final-recipient")
            .or_else(|| field(&fields, "original-recipient"))
            .map(strip_type)
        else {
            continue;
        };
        let action = field(&fields, "action")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let status = field(&fields, "status").unwrap_or_default();
        if action != "failed" {
            continue;
        }
        let kind = if status.starts_with('5') && !status.starts_with("5.2.2") {
            FeedbackKind::Hard
        } else {
            FeedbackKind::Soft
        };
        let diagnostic = field(&fields, "diagnostic-code")
            .map(strip_type)
            .unwrap_or_default();
        out.push(Feedback {
            kind,
            recipient,
            detail: format!("{status} {diagnostic}").trim().to_owned(),
        });
    }
    Ok(out)
}

/// `Name: value` fields, continuation lines unfolded; names lower case.
fn fields(block: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    out
}

fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// `rfc822; ana@example.com` → `ana@example.com` (the address type is optional in ARF).
fn strip_type(value: String) -> String {
    match value.split_once(';') {
        Some((_, rest)) => rest.trim().trim_matches(['<', '>']).to_owned(),
        None => value.trim().trim_matches(['<', '>']).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DSN: &str = include_str!("../tests/fixtures/dsn_hard_and_soft.eml");
    const ARF: &str = include_str!("../tests/fixtures/arf_abuse.eml");

    #[test]
    fn a_dsn_names_its_hard_and_soft_bounces_and_skips_delays() {
        let found = parse_report(DSN.as_bytes()).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].kind, FeedbackKind::Hard);
        assert_eq!(found[0].recipient, "gone.reader@example.net");
        assert!(
            found[0].detail.starts_with("5.1.1 550 5.1.1"),
            "{}",
            found[0].detail
        );
        assert_eq!(found[1].kind, FeedbackKind::Soft);
        assert_eq!(found[1].recipient, "full.box@example.org");
    }

    #[test]
    fn an_arf_report_is_a_complaint() {
        let found = parse_report(ARF.as_bytes()).unwrap();
        assert_eq!(
            found,
            vec![Feedback {
                kind: FeedbackKind::Complaint,
                recipient: "annoyed@example.com".to_owned(),
                detail: "a complaint (abuse) from the reader's mail provider".to_owned(),
            }]
        );
    }

    #[test]
    fn ordinary_mail_is_not_a_report() {
        let plain = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
        assert_eq!(
            parse_report(plain.as_bytes()),
            Err(FeedbackError::NotAReport)
        );
    }
}

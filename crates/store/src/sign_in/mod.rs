//! Passwordless sign-in: requests, their secrets, and spending them.
//!
//! A request is created in one transaction with its rate-limit counters and the job that emails
//! it ([`Store::create_sign_in_request`]). The job makes the link token and code and stores only
//! their hashes ([`Store::issue_sign_in_secrets`]), so no usable secret ever sits in the queue.
//! Spending a token or code, creating the account (or moving the address) and opening the
//! session happen in **one** transaction ([`Store::sign_in_with_token`],
//! [`Store::sign_in_with_code`]): the request's `used_at` is set by a conditional UPDATE, so a
//! secret works once however many requests race for it, and SQLite's single writer does one
//! write per sign-in instead of three.
//!
//! Staff: a request for an address in the `staff` table (or a change of address to one) only
//! works in the browser that asked for it (the hash of that browser's binding cookie is stored
//! with the request), and opens a shorter session, marked as a staff session: staff rights come
//! only from such a session (see `sessions.rs`). A change of address ends every other session
//! of the account. The check happens when the secret is spent, so the form that asks for the
//! email behaves the same for every address (no enumeration of staff either).

use masthead_core::{EmailAddress, Role, new_id};

mod complete;
use sqlx::{Row, any::AnyRow};

use crate::{
    Result, Store, StoreError, Tx,
    group::{Batch, GroupWrite, WriteFuture},
    jobs, now_ms,
    rate_limit::{RateLimit, take_rate_limits},
    readers::Reader,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A link for an existing reader.
    SignIn,
    /// A link that creates the account (consent recorded in the request).
    Register,
    /// A link that moves an account to a new address.
    ChangeEmail,
    /// Someone asked to sign in with an address that has no account: the link opens a page
    /// that registers (the terms and the Daily Edition choice are made there), so a new reader
    /// needs one email whichever form they started from. Its code does not register (no
    /// consent is given by typing a code): the email carries only the link.
    NoAccount,
    /// A link that signs in and links a provider's identity to the account (`oidc_links`):
    /// it works only in the browser that started the provider's sign-in.
    LinkIdentity,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign_in",
            Purpose::Register => "register",
            Purpose::ChangeEmail => "change_email",
            Purpose::NoAccount => "no_account",
            Purpose::LinkIdentity => "link_identity",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "sign_in" => Purpose::SignIn,
            "register" => Purpose::Register,
            "change_email" => Purpose::ChangeEmail,
            "no_account" => Purpose::NoAccount,
            "link_identity" => Purpose::LinkIdentity,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown sign-in purpose {other}"
                )));
            }
        })
    }
}

#[derive(Debug, Clone)]
pub struct SignInRequest {
    pub id: String,
    pub purpose: Purpose,
    pub email: String,
    pub reader_id: Option<String>,
    pub new_email: Option<String>,
    pub terms_version: Option<String>,
    pub daily_edition: bool,
    pub return_to: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The article whose registration wall started this request, if any.
    pub wall_article_id: Option<String>,
    bind_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSignInRequest {
    pub purpose: Purpose,
    pub email: EmailAddress,
    pub reader_id: Option<String>,
    pub new_email: Option<EmailAddress>,
    pub terms_version: Option<String>,
    pub daily_edition: bool,
    pub return_to: String,
    pub valid_for_ms: i64,
    pub wall_article_id: Option<String>,
    /// The hash of the requesting browser's binding cookie.
    pub bind_hash: Option<String>,
}

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionLengths {
    pub reader_ms: i64,
    pub staff_ms: i64,
}

/// A new session to open if the secret is good: the hash of its cookie's token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id_hash: String,
    pub lengths: SessionLengths,
}

/// What spending a live secret led to.
#[derive(Debug, Clone)]
pub enum Completion {
    SignedIn {
        request: SignInRequest,
        reader: Reader,
        /// The account was created by this sign-in.
        created: bool,
        staff: Option<Role>,
        session_ms: i64,
        /// The name of the provider whose identity this sign-in linked to the account (its
        /// other sessions ended).
        linked: Option<String>,
    },
    /// The request said there is no account (or the account was deleted meanwhile).
    NoAccount(SignInRequest),
    /// A change of address to an address another account took meanwhile.
    AddressTaken(SignInRequest),
    /// A staff member's secret used in another browser than the one that asked for it. Nothing
    /// was spent: the link still works in the right browser.
    WrongBrowser(SignInRequest),
    /// An editor or admin who has a passkey, while passkeys are required of them
    /// (`crate::passkeys`): they sign in with it. Nothing was spent.
    PasskeyRequired(SignInRequest),
}

/// What a reader agreed to on the page of a link that registers.
#[derive(Debug, Clone)]
pub struct Consent {
    pub terms_version: String,
    pub daily_edition: bool,
}

/// The job that emails a sign-in request's link and code (run by `masthead-jobs`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SendSignInEmail {
    pub request_id: String,
}

impl jobs::Job for SendSignInEmail {
    const KIND: &'static str = "send_sign_in_email";

    fn key(&self) -> Option<String> {
        Some(format!("sign-in-email:{}", self.request_id))
    }
}

/// The note to an account's old address that the address was changed (run by `masthead-jobs`):
/// a reader who did not make the change learns of it where they can still read email.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SendAddressChangedEmail {
    pub old_email: String,
    pub new_email: String,
    /// When the change was made (ms); with the old address, the key.
    pub changed_at: i64,
}

impl jobs::Job for SendAddressChangedEmail {
    const KIND: &'static str = "send_address_changed_email";

    fn key(&self) -> Option<String> {
        Some(format!(
            "address-changed:{}:{}",
            self.old_email.to_lowercase(),
            self.changed_at
        ))
    }
}

/// How long links and codes work.
pub const LINK_VALID_MINUTES: i64 = 15;
/// At most this many sign-in requests of one address are live at a time; older ones stop working.
pub const LIVE_REQUESTS_PER_ADDRESS: i64 = 3;
/// Wrong codes allowed per request before it stops working.
pub const CODE_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone)]
pub enum CodeOutcome {
    Accepted(Box<Completion>),
    Wrong,
    /// No live request for the address, or its attempts are used up.
    NoneLive,
}

const REQUEST_COLUMNS: &str = "id, purpose, email, reader_id, new_email, terms_version, daily_edition, return_to, expires_at, used_at, wall_article_id, bind_hash";

fn request_row(r: &AnyRow) -> Result<SignInRequest> {
    Ok(SignInRequest {
        id: r.try_get("id")?,
        purpose: Purpose::parse(&r.try_get::<String, _>("purpose")?)?,
        email: r.try_get("email")?,
        reader_id: r.try_get("reader_id")?,
        new_email: r.try_get("new_email")?,
        terms_version: r.try_get("terms_version")?,
        daily_edition: r.try_get::<i64, _>("daily_edition")? != 0,
        return_to: r.try_get("return_to")?,
        expires_at: r.try_get("expires_at")?,
        used_at: r.try_get("used_at")?,
        wall_article_id: r.try_get("wall_article_id")?,
        bind_hash: r.try_get("bind_hash")?,
    })
}

impl SignInRequest {
    /// The hash of the binding cookie of the browser that asked for it.
    pub fn bind_hash(&self) -> Option<&str> {
        self.bind_hash.as_deref()
    }
}

impl Store {
    /// Counts the request against `limits`, and if all are within bounds records the request
    /// and enqueues its email; all in one transaction. `None` when a limit is exceeded (the
    /// counts are kept: a refused attempt is still an attempt). Older live requests of the
    /// address beyond the last few stop working. On SQLite the transaction is shared with other
    /// sign-in writes waiting at the same moment (`group.rs`).
    pub async fn create_sign_in_request(
        &self,
        req: &NewSignInRequest,
        limits: &[RateLimit],
    ) -> Result<Option<String>> {
        self.write_grouped(CreateRequest {
            req: req.clone(),
            limits: limits.to_vec(),
        })
        .await
    }

    pub async fn sign_in_request(&self, id: &str) -> Result<Option<SignInRequest>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM sign_in_requests WHERE id = $1"
        ));
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(request_row).transpose()
    }

    /// Stores the hashes of a freshly made token and code; false if the request is no longer
    /// live (used or expired), in which case no email should be sent.
    pub async fn issue_sign_in_secrets(
        &self,
        id: &str,
        token_hash: &str,
        code_hash: &str,
    ) -> Result<bool> {
        self.write_grouped(IssueSecrets {
            id: id.to_owned(),
            token_hash: token_hash.to_owned(),
            code_hash: code_hash.to_owned(),
        })
        .await
    }

    /// The request a link token belongs to, if the token is live (for the confirmation page;
    /// spends nothing).
    pub async fn peek_sign_in_token(&self, token_hash: &str) -> Result<Option<SignInRequest>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM sign_in_requests WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2"
        ));
        let row = sqlx::query(sql)
            .bind(token_hash)
            .bind(now_ms())
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(request_row).transpose()
    }
}

/// Recording a sign-in request and its email job, if the limits allow (see
/// [`Store::create_sign_in_request`]); a grouped write.
struct CreateRequest {
    req: NewSignInRequest,
    limits: Vec<RateLimit>,
}

impl GroupWrite for CreateRequest {
    type Output = Option<String>;

    fn apply<'a>(&'a self, tx: &'a mut Tx, _: &'a mut Batch) -> WriteFuture<'a, Option<String>> {
        Box::pin(create_request_in(tx, &self.req, &self.limits))
    }
}

/// Storing the hashes of a request's secrets if it is still live; a grouped write.
struct IssueSecrets {
    id: String,
    token_hash: String,
    code_hash: String,
}

impl GroupWrite for IssueSecrets {
    type Output = bool;

    fn apply<'a>(&'a self, tx: &'a mut Tx, _: &'a mut Batch) -> WriteFuture<'a, bool> {
        Box::pin(issue_secrets_in(
            tx,
            &self.id,
            &self.token_hash,
            &self.code_hash,
        ))
    }
}

pub(crate) async fn create_request_in(
    tx: &mut Tx,
    req: &NewSignInRequest,
    limits: &[RateLimit],
) -> Result<Option<String>> {
    let now = now_ms();
    let id = new_id();
    // The limits are the only check; a refused request is counted by the limits that let it
    // through (an attempt is an attempt), never by the one that refused it.
    if !take_rate_limits(tx, limits).await? {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO sign_in_requests (id, purpose, email, email_key, reader_id, new_email, terms_version, \
         daily_edition, return_to, expires_at, created_at, wall_article_id, bind_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&id)
    .bind(req.purpose.as_str())
    .bind(req.email.as_str())
    .bind(req.email.canonical())
    .bind(req.reader_id.as_deref())
    .bind(req.new_email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(req.terms_version.as_deref())
    .bind(i64::from(req.daily_edition))
    .bind(&req.return_to)
    .bind(now + req.valid_for_ms)
    .bind(now)
    .bind(req.wall_article_id.as_deref())
    .bind(req.bind_hash.as_deref())
    .execute(&mut **tx)
    .await?;
    // Keep the newest few live: expire the rest.
    sqlx::query(
        "UPDATE sign_in_requests SET expires_at = $3 WHERE email_key = $1 AND expires_at > $3 AND used_at IS NULL \
         AND id NOT IN (SELECT id FROM sign_in_requests WHERE email_key = $1 AND used_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT $2)",
    )
    .bind(req.email.canonical())
    .bind(LIVE_REQUESTS_PER_ADDRESS)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let job = SendSignInEmail {
        request_id: id.clone(),
    };
    jobs::enqueue(tx, &jobs::NewJob::of(&job)).await?;
    Ok(Some(id))
}

async fn issue_secrets_in(
    tx: &mut Tx,
    id: &str,
    token_hash: &str,
    code_hash: &str,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE sign_in_requests SET token_hash = $2, code_hash = $3 WHERE id = $1 AND used_at IS NULL AND expires_at > $4",
    )
    .bind(id)
    .bind(token_hash)
    .bind(code_hash)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

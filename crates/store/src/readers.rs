//! Reader accounts, sign-in requests, sessions and rate limits.
//!
//! A sign-in request is created in the same transaction as the job that emails it. The job
//! makes the link token and code and stores their hashes ([`Store::issue_sign_in_secrets`]);
//! spending them ([`Store::consume_sign_in_token`], [`Store::consume_sign_in_code`]) is a single
//! conditional UPDATE, so a token works once however many requests race for it.

use masthead_core::{EmailAddress, new_id};
use sqlx::{Row, any::AnyRow};

use crate::{Result, Store, StoreError, jobs, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A link for an existing reader.
    SignIn,
    /// A link that creates the account (consent recorded in the request).
    Register,
    /// A link that moves an account to a new address.
    ChangeEmail,
    /// Someone asked to sign in with an address that has no account: tell them, no link.
    NoAccount,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign_in",
            Purpose::Register => "register",
            Purpose::ChangeEmail => "change_email",
            Purpose::NoAccount => "no_account",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "sign_in" => Purpose::SignIn,
            "register" => Purpose::Register,
            "change_email" => Purpose::ChangeEmail,
            "no_account" => Purpose::NoAccount,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown sign-in purpose {other}"
                )));
            }
        })
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Reader {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub daily_edition: bool,
    pub terms_version: String,
    pub terms_accepted_at: i64,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
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
}

pub const SEND_SIGN_IN_EMAIL: &str = "send_sign_in_email";
/// At most this many sign-in requests of one address are live at a time; older ones stop working.
pub const LIVE_REQUESTS_PER_ADDRESS: i64 = 3;
/// Wrong codes allowed per request before it stops working.
pub const CODE_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOutcome {
    Accepted(String),
    Wrong,
    /// No live request for the address, or its attempts are used up.
    NoneLive,
}

const READER_COLUMNS: &str = "id, email, display_name, daily_edition, terms_version, terms_accepted_at, created_at, last_sign_in_at";
const REQUEST_COLUMNS: &str = "id, purpose, email, reader_id, new_email, terms_version, daily_edition, return_to, expires_at, used_at";

fn reader_row(r: &AnyRow) -> Result<Reader> {
    Ok(Reader {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        daily_edition: r.try_get::<i64, _>("daily_edition")? != 0,
        terms_version: r.try_get("terms_version")?,
        terms_accepted_at: r.try_get("terms_accepted_at")?,
        created_at: r.try_get("created_at")?,
        last_sign_in_at: r.try_get("last_sign_in_at")?,
    })
}

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
    })
}

impl Store {
    pub async fn reader_by_email(&self, email: &EmailAddress) -> Result<Option<Reader>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {READER_COLUMNS} FROM readers WHERE email_key = $1"
        ));
        let row = sqlx::query(sql)
            .bind(email.canonical())
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(reader_row).transpose()
    }

    pub async fn reader_by_id(&self, id: &str) -> Result<Option<Reader>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {READER_COLUMNS} FROM readers WHERE id = $1"
        ));
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(reader_row).transpose()
    }

    /// Records a sign-in request and enqueues its email, in one transaction. Older live
    /// requests of the address beyond the last few stop working.
    pub async fn create_sign_in_request(&self, req: &NewSignInRequest) -> Result<String> {
        let now = now_ms();
        let id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO sign_in_requests (id, purpose, email, email_key, reader_id, new_email, terms_version, \
             daily_edition, return_to, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
        .execute(&mut *tx)
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
        .execute(&mut *tx)
        .await?;
        let job = jobs::NewJob::now(SEND_SIGN_IN_EMAIL, serde_json::json!({ "request_id": id }))
            .key(format!("sign-in-email:{id}"));
        jobs::enqueue(&mut tx, &job).await?;
        tx.commit().await?;
        Ok(id)
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
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE sign_in_requests SET token_hash = $2, code_hash = $3 WHERE id = $1 AND used_at IS NULL AND expires_at > $4",
        )
        .bind(id)
        .bind(token_hash)
        .bind(code_hash)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
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

    /// Spends a link token: returns its request once, and never again.
    pub async fn consume_sign_in_token(&self, token_hash: &str) -> Result<Option<SignInRequest>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE sign_in_requests SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING {REQUEST_COLUMNS}"
        ));
        let row = sqlx::query(sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.as_ref().map(request_row).transpose()
    }

    /// Spends a code typed for an address. A wrong code counts against every live request of
    /// the address; after [`CODE_ATTEMPTS`] wrong codes a request stops accepting codes.
    pub async fn consume_sign_in_code(
        &self,
        email: &EmailAddress,
        code_hash: &str,
    ) -> Result<CodeOutcome> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_requests WHERE email_key = $1 AND used_at IS NULL AND expires_at > $2 \
             AND code_hash IS NOT NULL AND attempts < $3",
        )
        .bind(email.canonical())
        .bind(now)
        .bind(CODE_ATTEMPTS)
        .fetch_one(&mut *tx)
        .await?;
        if live == 0 {
            tx.commit().await?;
            return Ok(CodeOutcome::NoneLive);
        }
        let id: Option<String> = sqlx::query_scalar(
            "UPDATE sign_in_requests SET used_at = $3 WHERE id = (SELECT id FROM sign_in_requests \
             WHERE email_key = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3 AND attempts < $4 \
             ORDER BY created_at DESC LIMIT 1) RETURNING id",
        )
        .bind(email.canonical())
        .bind(code_hash)
        .bind(now)
        .bind(CODE_ATTEMPTS)
        .fetch_optional(&mut *tx)
        .await?;
        if id.is_none() {
            sqlx::query(
                "UPDATE sign_in_requests SET attempts = attempts + 1 WHERE email_key = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(email.canonical())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(match id {
            Some(id) => CodeOutcome::Accepted(id),
            None => CodeOutcome::Wrong,
        })
    }

    /// Finishes a spent request: creates the account (registration), moves the address
    /// (change of email) or just stamps the sign-in; returns the reader to sign in.
    pub async fn complete_sign_in(&self, req: &SignInRequest) -> Result<Option<Reader>> {
        let now = now_ms();
        let email = EmailAddress::parse(&req.email).map_err(|e| StoreError::Corrupt(e.0))?;
        let mut tx = self.begin().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM readers WHERE email_key = $1")
                .bind(email.canonical())
                .fetch_optional(&mut *tx)
                .await?;
        let reader_id = match (req.purpose, existing) {
            (Purpose::NoAccount, _) => None,
            (Purpose::ChangeEmail, _) => {
                let (Some(reader_id), Some(new_email)) = (&req.reader_id, &req.new_email) else {
                    return Err(StoreError::Corrupt(
                        "change of email without reader or address".into(),
                    ));
                };
                let new_email =
                    EmailAddress::parse(new_email).map_err(|e| StoreError::Corrupt(e.0))?;
                let taken: Option<String> =
                    sqlx::query_scalar("SELECT id FROM readers WHERE email_key = $1")
                        .bind(new_email.canonical())
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.as_deref().is_some_and(|t| t != reader_id) {
                    return Err(StoreError::Conflict(
                        "another account already uses that address".into(),
                    ));
                }
                sqlx::query("UPDATE readers SET email = $2, email_key = $3 WHERE id = $1")
                    .bind(reader_id)
                    .bind(new_email.as_str())
                    .bind(new_email.canonical())
                    .execute(&mut *tx)
                    .await?;
                Some(reader_id.clone())
            }
            (_, Some(id)) => Some(id),
            (Purpose::Register, None) => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO readers (id, email, email_key, daily_edition, terms_version, terms_accepted_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6)",
                )
                .bind(&id)
                .bind(email.as_str())
                .bind(email.canonical())
                .bind(i64::from(req.daily_edition))
                .bind(req.terms_version.as_deref().unwrap_or("1"))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                Some(id)
            }
            // A sign-in link for an account deleted meanwhile.
            (_, None) => None,
        };
        if let Some(id) = &reader_id {
            sqlx::query("UPDATE readers SET last_sign_in_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        match reader_id {
            Some(id) => self.reader_by_id(&id).await,
            None => Ok(None),
        }
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        reader_id: &str,
        valid_for_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, reader_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(id_hash)
        .bind(reader_id)
        .bind(now)
        .bind(now + valid_for_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reader of a live session.
    pub async fn session_reader(&self, id_hash: &str) -> Result<Option<Reader>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM sessions s JOIN readers r ON r.id = s.reader_id WHERE s.id_hash = $1 AND s.expires_at > $2",
            READER_COLUMNS
                .split(", ")
                .map(|c| format!("r.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let row = sqlx::query(sql)
            .bind(id_hash)
            .bind(now_ms())
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(reader_row).transpose()
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a reader out everywhere.
    pub async fn delete_sessions_of(&self, reader_id: &str) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("DELETE FROM sessions WHERE reader_id = $1")
            .bind(reader_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    pub async fn set_daily_edition(&self, reader_id: &str, on: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE readers SET daily_edition = $2 WHERE id = $1")
            .bind(reader_id)
            .bind(i64::from(on))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes an account with its sessions and sign-in requests.
    pub async fn delete_reader(&self, reader_id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        for sql in [
            "DELETE FROM sessions WHERE reader_id = $1",
            "DELETE FROM sign_in_requests WHERE reader_id = $1",
            "DELETE FROM readers WHERE id = $1",
        ] {
            sqlx::query(sql).bind(reader_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn count_sessions_of(&self, reader_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions WHERE reader_id = $1 AND expires_at > $2",
        )
        .bind(reader_id)
        .bind(now_ms())
        .fetch_one(self.reader())
        .await?)
    }

    /// Counts a hit on `key` in the current fixed window; true while within `limit`.
    pub async fn hit_rate_limit(&self, key: &str, window_ms: i64, limit: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let ok = hit_rate_limit_in(&mut tx, key, window_ms, limit).await?;
        tx.commit().await?;
        Ok(ok)
    }
}

/// [`Store::hit_rate_limit`] within the caller's transaction, so that a write and its limit
/// cost one transaction (on SQLite, one turn of the single writer).
pub async fn hit_rate_limit_in(
    tx: &mut crate::Tx,
    key: &str,
    window_ms: i64,
    limit: i64,
) -> Result<bool> {
    let now = now_ms();
    let window_start = now - now.rem_euclid(window_ms);
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count",
    )
    .bind(key)
    .bind(window_start)
    .fetch_one(&mut **tx)
    .await?;
    // Old windows are of no use; clear them now and then.
    if count == 1 {
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(now - 2 * 86_400_000)
            .execute(&mut **tx)
            .await?;
    }
    Ok(count <= limit)
}

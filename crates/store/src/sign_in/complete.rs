//! Spending a link or a code: in one transaction, the request is marked used (a conditional
//! update, so a secret works once however many requests race for it), the account is created,
//! moved to its new address or stamped, and the session is opened (see the parent module).

use masthead_core::{EmailAddress, Role, new_id, secret};
use sqlx::Row;

use super::{
    CODE_ATTEMPTS, CodeOutcome, Completion, Consent, NewSession, Purpose, REQUEST_COLUMNS,
    SignInRequest, request_row,
};
use crate::{Result, Store, StoreError, Tx, now_ms};

impl Store {
    /// Spends a link token and completes the sign-in; `None` if the token is not live.
    /// `bind_hash` is the hash of the browser's binding cookie, if it sent one.
    pub async fn sign_in_with_token(
        &self,
        token_hash: &str,
        bind_hash: Option<&str>,
        session: &NewSession,
    ) -> Result<Option<Completion>> {
        self.sign_in_with_token_consenting(token_hash, bind_hash, None, session)
            .await
    }

    /// [`Store::sign_in_with_token`], with the consent the link's page gathered: a link sent
    /// to an address with no account ([`Purpose::NoAccount`]) registers it only with consent.
    pub async fn sign_in_with_token_consenting(
        &self,
        token_hash: &str,
        bind_hash: Option<&str>,
        consent: Option<&Consent>,
        session: &NewSession,
    ) -> Result<Option<Completion>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM sign_in_requests WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2"
        ));
        let row = sqlx::query(sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(req) = row.as_ref().map(request_row).transpose()? else {
            tx.commit().await?;
            return Ok(None);
        };
        let done =
            spend_and_complete(&mut tx, req, bind_hash, consent, session, now, "link").await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Spends a code typed for an address and completes the sign-in. Every code tried counts
    /// against every live request of the address; after [`CODE_ATTEMPTS`] tries a request stops
    /// accepting codes.
    pub async fn sign_in_with_code(
        &self,
        email: &EmailAddress,
        code_hash: &str,
        bind_hash: Option<&str>,
        session: &NewSession,
    ) -> Result<CodeOutcome> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        // Every guess spends one of each live request's attempts *before* it is compared, in one
        // conditional update: check and count are one statement, so a burst of guesses on
        // PostgreSQL (where they run side by side) gets no more than the attempts left.
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE sign_in_requests SET attempts = attempts + 1 WHERE email_key = $1 AND used_at IS NULL \
             AND expires_at > $2 AND code_hash IS NOT NULL AND attempts < $3 \
             RETURNING {REQUEST_COLUMNS}, code_hash"
        ));
        let live = sqlx::query(sql)
            .bind(email.canonical())
            .bind(now)
            .bind(CODE_ATTEMPTS)
            .fetch_all(&mut *tx)
            .await?;
        // No early answer when there is no live request: an address that was never sent a code
        // takes the same work (the update above touched nothing) as a wrong code, so the time
        // taken does not tell the two apart.
        let mut matching = None;
        for row in &live {
            let stored: String = row.try_get("code_hash")?;
            if secret::secrets_equal(&stored, code_hash) {
                matching = Some(request_row(row)?);
            }
        }
        let Some(req) = matching else {
            tx.commit().await?;
            return Ok(if live.is_empty() {
                CodeOutcome::NoneLive
            } else {
                CodeOutcome::Wrong
            });
        };
        let done = spend_and_complete(&mut tx, req, bind_hash, None, session, now, "code").await?;
        tx.commit().await?;
        Ok(match done {
            Some(c) => CodeOutcome::Accepted(Box::new(c)),
            // Spent by a concurrent request a moment ago.
            None => CodeOutcome::NoneLive,
        })
    }
}

async fn staff_role(tx: &mut Tx, email_key: &str) -> Result<Option<Role>> {
    // A deactivated member signs in as a reader (crate::staff).
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM staff WHERE email_key = $1 AND deactivated_at IS NULL",
    )
    .bind(email_key)
    .fetch_optional(&mut **tx)
    .await?;
    role.map(|r| {
        r.parse()
            .map_err(|e: masthead_core::ParseError| StoreError::Corrupt(e.0))
    })
    .transpose()
}

/// Marks the request used (if nobody did meanwhile), then creates the account, moves the
/// address or stamps the sign-in, and opens the session. `None` when the request was spent by
/// a concurrent sign-in.
async fn spend_and_complete(
    tx: &mut Tx,
    req: SignInRequest,
    bind_hash: Option<&str>,
    consent: Option<&Consent>,
    session: &NewSession,
    now: i64,
    // How the secret came (`link`, `code`), for the audit log of a staff sign-in.
    method: &'static str,
) -> Result<Option<Completion>> {
    let email = EmailAddress::parse(&req.email).map_err(|e| StoreError::Corrupt(e.0))?;
    let staff = staff_role(tx, &email.canonical()).await?;
    // A change of address to a staff member's address follows the rules of signing in to it:
    // it works only in the browser that asked for it.
    let new_staff = match (&req.purpose, &req.new_email) {
        (Purpose::ChangeEmail, Some(new)) => {
            let new = EmailAddress::parse(new).map_err(|e| StoreError::Corrupt(e.0))?;
            staff_role(tx, &new.canonical()).await?
        }
        _ => None,
    };
    // A provider's identity is linked only in the browser that signed in with the provider
    // (whoever holds the email alone cannot attach a stranger's identity to the account).
    if staff.is_some() || new_staff.is_some() || req.purpose == Purpose::LinkIdentity {
        let bound = match (req.bind_hash.as_deref(), bind_hash) {
            (Some(stored), Some(given)) => secret::secrets_equal(stored, given),
            _ => false,
        };
        if !bound {
            return Ok(Some(Completion::WrongBrowser(req)));
        }
    }
    // Under the passkey requirement, an editor or admin with a passkey signs in with it.
    let role_after = match req.purpose {
        Purpose::ChangeEmail => new_staff,
        _ => staff,
    };
    if let Some(role) = role_after {
        let key = match (&req.purpose, &req.new_email) {
            (Purpose::ChangeEmail, Some(new)) => EmailAddress::parse(new)
                .map_err(|e| StoreError::Corrupt(e.0))?
                .canonical(),
            _ => email.canonical(),
        };
        if crate::passkeys::passkey_required_in(tx, &key, role).await? {
            return Ok(Some(Completion::PasskeyRequired(req)));
        }
    }
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM readers WHERE email_key = $1")
            .bind(email.canonical())
            .fetch_optional(&mut **tx)
            .await?;
    // A link to an address with no account registers only with the consent of its page; a
    // code (or a page without consent) spends nothing and says there is no account.
    if req.purpose == Purpose::NoAccount && existing.is_none() && consent.is_none() {
        return Ok(Some(Completion::NoAccount(req)));
    }
    let spent = sqlx::query(
        "UPDATE sign_in_requests SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(&req.id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if spent != 1 {
        return Ok(None);
    }
    let mut created = false;
    let reader_id = match (req.purpose, existing) {
        (Purpose::ChangeEmail, _) => {
            let (Some(reader_id), Some(new_email)) = (&req.reader_id, &req.new_email) else {
                return Err(StoreError::Corrupt(
                    "change of email without reader or address".into(),
                ));
            };
            let new_email = EmailAddress::parse(new_email).map_err(|e| StoreError::Corrupt(e.0))?;
            let taken: Option<String> =
                sqlx::query_scalar("SELECT id FROM readers WHERE email_key = $1")
                    .bind(new_email.canonical())
                    .fetch_optional(&mut **tx)
                    .await?;
            if taken.as_deref().is_some_and(|t| t != reader_id) {
                return Ok(Some(Completion::AddressTaken(req)));
            }
            // Whoever else holds a session of the account loses it: the address that lets
            // one sign in has changed (the session opened below is the only one left).
            sqlx::query("DELETE FROM sessions WHERE reader_id = $1")
                .bind(reader_id)
                .execute(&mut **tx)
                .await?;
            crate::sessions::bump_sessions_epoch(tx).await?;
            let moved = sqlx::query("UPDATE readers SET email = $2, email_key = $3 WHERE id = $1")
                .bind(reader_id)
                .bind(new_email.as_str())
                .bind(new_email.canonical())
                .execute(&mut **tx)
                .await?
                .rows_affected();
            if moved == 1 {
                let note = super::SendAddressChangedEmail {
                    old_email: req.email.clone(),
                    new_email: new_email.as_str().to_owned(),
                    changed_at: now,
                };
                crate::jobs::enqueue(tx, &crate::jobs::NewJob::of(&note)).await?;
            }
            (moved == 1).then(|| reader_id.clone())
        }
        (_, Some(id)) => Some(id),
        (Purpose::Register | Purpose::NoAccount, None) => {
            // NoAccount got here only with consent (checked above).
            let (terms, daily_edition) = match (req.purpose, consent) {
                (Purpose::NoAccount, Some(c)) => (c.terms_version.as_str(), c.daily_edition),
                _ => (
                    req.terms_version.as_deref().unwrap_or("1"),
                    req.daily_edition,
                ),
            };
            let id = new_id();
            sqlx::query(
                "INSERT INTO readers (id, email, email_key, daily_edition, terms_version, terms_accepted_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(&id)
            .bind(email.as_str())
            .bind(email.canonical())
            .bind(i64::from(daily_edition))
            .bind(terms)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            created = true;
            Some(id)
        }
        // A sign-in link for an account deleted meanwhile.
        (_, None) => None,
    };
    let Some(reader_id) = reader_id else {
        return Ok(Some(Completion::NoAccount(req)));
    };
    // The address received our link and its owner used it: it is proven to work.
    sqlx::query("UPDATE readers SET last_sign_in_at = $2, email_proven_at = $2 WHERE id = $1")
        .bind(&reader_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    // The session's length follows the role of the account's (possibly new) address.
    let reader = crate::readers::reader_in(tx, &reader_id).await?;
    let staff = match req.purpose {
        Purpose::ChangeEmail => new_staff,
        _ => staff,
    };
    let session_ms = if staff.is_some() {
        session.lengths.staff_ms
    } else {
        session.lengths.reader_ms
    };
    sqlx::query(
        "INSERT INTO sessions (id_hash, reader_id, created_at, expires_at, last_seen_at, staff) VALUES ($1, $2, $3, $4, $3, $5)",
    )
    .bind(&session.id_hash)
    .bind(&reader_id)
    .bind(now)
    .bind(now + session_ms)
    .bind(i64::from(staff.is_some()))
    .execute(&mut **tx)
    .await?;
    if staff.is_some() {
        let key = EmailAddress::parse(&reader.email).map_err(|e| StoreError::Corrupt(e.0))?;
        crate::staff::record_staff_sign_in(tx, &key.canonical(), method).await?;
    }
    let linked = if req.purpose == Purpose::LinkIdentity {
        crate::identities::link_pending_in(tx, &req.id, &reader_id, &session.id_hash).await?
    } else {
        None
    };
    Ok(Some(Completion::SignedIn {
        request: req,
        reader,
        created,
        staff,
        session_ms,
        linked,
    }))
}

//! Who is asking: the session cookie, the sessions cache, and the extractors handlers name to
//! get a signed-in reader, a staff member or a CSRF-checked form (`extract.rs`). The wall,
//! comments, account pages, search and the newsroom all use it.
//!
//! Decisions:
//! - The cookie holds an opaque 256-bit token; the database holds its hash. A lookup is one
//!   query (`Store::session`): the reader's id, and the staff role for a staff session.
//! - Each node keeps recent lookups in a bounded cache ([`SessionCache`]: at most
//!   [`CACHE_CAPACITY`] sessions, each for at most [`CACHE_TTL`]), so a signed-in reader's page
//!   view costs no query. Revoking sessions (sign-out, sign-out everywhere, deletion, a change
//!   of address) raises the sessions epoch in the same transaction; every node polls the epochs
//!   every second and empties its cache when this one moves, and the node that revoked empties
//!   its own at once. A revoked session therefore stops working within a second everywhere.
//!   A lookup that raced with a revocation is stored under the epoch it started in and is
//!   never served after the cache saw the new epoch.
//! - Only cookies that look like our tokens are looked up, and only live sessions are cached:
//!   a stranger's cookie values never become cache entries.
//! - What the cache holds is what the request path needs (the reader's id, the staff role).
//!   Pages that show the reader's own data (the account page) read it afresh.

pub mod cookies;
mod extract;

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::http::HeaderMap;
use masthead_core::secret;
use masthead_store::sessions::SessionRow;

pub use extract::{Capability, CsrfForm, MaybeReader, Moderate, SignedIn, Staff, Write};

use crate::{AppState, error::WebError};

/// Sessions kept per node.
pub const CACHE_CAPACITY: usize = 50_000;
/// How long a cached lookup is used before the database is asked again (a staff member's
/// changed role, say, reaches other nodes within this time; revocations are at once).
pub const CACHE_TTL: Duration = Duration::from_secs(60);

/// A signed-in reader's session.
pub type Session = Arc<SessionRow>;

#[derive(Clone)]
struct Entry {
    session: Session,
    looked_up: Instant,
    epoch: i64,
}

/// This node's recent session lookups (see the module docs).
pub struct SessionCache {
    entries: quick_cache::sync::Cache<String, Entry>,
    epoch: AtomicI64,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(CACHE_CAPACITY),
            epoch: AtomicI64::new(i64::MIN),
        }
    }
}

impl SessionCache {
    fn get(&self, id_hash: &str) -> Option<Session> {
        let e = self.entries.get(id_hash)?;
        let fresh = e.epoch == self.epoch.load(Ordering::Acquire)
            && e.looked_up.elapsed() < CACHE_TTL
            && e.session.expires_at > masthead_store::now_ms();
        if fresh {
            Some(e.session)
        } else {
            self.entries.remove(id_hash);
            None
        }
    }

    /// Records the sessions epoch read from the database; a new one empties the cache.
    pub fn observe_epoch(&self, epoch: i64) {
        if self.epoch.swap(epoch, Ordering::AcqRel) != epoch {
            self.entries.clear();
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl AppState {
    /// The stored form of a secret of ours (a session cookie, a link, a code, a binding):
    /// keyed with the site's token key (`masthead_core::secret::TokenHasher`).
    pub(crate) fn hash_token(&self, secret: &str) -> String {
        self.jobs.tokens.hash(secret)
    }

    pub(crate) fn secure_cookies(&self) -> bool {
        self.config.is_https()
    }

    /// The live session of the request's cookie, if any: from this node's cache, or one read.
    pub(crate) async fn session(&self, headers: &HeaderMap) -> Result<Option<Session>, WebError> {
        let Some(token) = cookies::session_token(headers, self.secure_cookies()) else {
            return Ok(None);
        };
        let id_hash = self.hash_token(token);
        if let Some(s) = self.sessions.get(&id_hash) {
            return Ok(Some(s));
        }
        let epoch = self.sessions.epoch.load(Ordering::Acquire);
        let row = match self.store.session(&id_hash).await? {
            Some(row) => row,
            // Opened before secrets were hashed with the site's key: its row is keyed by the
            // bare SHA-256 of the cookie. Found once, it is re-keyed in place, so the cookie
            // keeps working and the unkeyed hash leaves the database. (Sign-in links and codes
            // live 15 minutes and get no such path: one sent just before the upgrade asks for
            // a new one.)
            None => match self
                .store
                .rekey_session(&secret::sha256_hex(token), &id_hash)
                .await?
            {
                Some(row) => row,
                None => return Ok(None),
            },
        };
        let session = Arc::new(row);
        let entry = Entry {
            session: session.clone(),
            looked_up: Instant::now(),
            epoch,
        };
        self.sessions.entries.insert(id_hash, entry);
        Ok(Some(session))
    }

    /// After this node revoked sessions: its cache forgets them now, not at the next poll.
    pub(crate) async fn refresh_sessions_epoch(&self) -> Result<(), WebError> {
        let epoch = self.store.sessions_epoch().await?;
        self.sessions.observe_epoch(epoch);
        Ok(())
    }
}

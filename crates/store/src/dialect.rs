//! The statements that differ between SQLite and PostgreSQL, side by side. Everything else in
//! the store is one portable query path.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// Claims the next due jobs: a queued job whose time has come, or a running one whose lease
    /// expired (its worker died). PostgreSQL skips rows other nodes are claiming; SQLite has a
    /// single writer connection per process and `BEGIN IMMEDIATE` across processes, so the plain
    /// sub-select is already exclusive.
    ///
    /// Parameters: $1 worker, $2 lease end (ms), $3 now (ms), $4 how many at most, $5 the time
    /// by which a queued job must be due (ms): now for a worker; later for tests that run
    /// scheduled work without waiting for it ([`crate::Store::claim_jobs_due_by`]).
    pub fn claim_job_sql(self) -> &'static str {
        match self {
            Self::Sqlite => {
                "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
                 attempts = attempts + 1, updated_at = $3 \
                 WHERE id IN (SELECT id FROM jobs \
                   WHERE (status = 'queued' AND run_at <= $5) OR (status = 'running' AND locked_until < $3) \
                   ORDER BY run_at, id LIMIT $4) \
                 RETURNING id, kind, payload, attempts, max_attempts"
            }
            Self::Postgres => {
                "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
                 attempts = attempts + 1, updated_at = $3 \
                 WHERE id IN (SELECT id FROM jobs \
                   WHERE (status = 'queued' AND run_at <= $5) OR (status = 'running' AND locked_until < $3) \
                   ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, kind, payload, attempts, max_attempts"
            }
        }
    }

    /// Case-insensitive `LIKE`: SQLite's `LIKE` already ignores ASCII case; PostgreSQL's does
    /// not, and `ILIKE` is its own. (`LOWER(col) LIKE LOWER($n)` works on both but cost the
    /// newsroom's headline search 40% more on SQLite with 100k articles.)
    pub fn like_any_case(self) -> &'static str {
        match self {
            Self::Sqlite => "LIKE",
            Self::Postgres => "ILIKE",
        }
    }

    /// The lower-case domain of an address column holding canonical addresses
    /// (`readers.email_key`): what the Daily Edition's ledger groups and backs off by.
    pub fn email_domain_sql(self, column: &str) -> String {
        match self {
            Self::Sqlite => format!("lower(substr({column}, instr({column}, '@') + 1))"),
            Self::Postgres => format!("lower(split_part({column}, '@', 2))"),
        }
    }
}

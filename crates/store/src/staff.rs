//! Newsroom staff. Signing in comes with reader accounts; for now a staff member is an email
//! address with a role.

use masthead_core::{EmailAddress, Role, new_id};

use crate::{Result, Store, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    Added,
    RoleChanged,
    Unchanged,
}

impl Store {
    /// Adds a staff member, or sets the role of an existing one (matched case-insensitively).
    pub async fn add_staff(&self, email: &EmailAddress, role: Role) -> Result<StaffChange> {
        let mut tx = self.begin().await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT role FROM staff WHERE email_key = $1")
                .bind(email.canonical())
                .fetch_optional(&mut *tx)
                .await?;
        let change = match current {
            Some(r) if r == role.as_str() => StaffChange::Unchanged,
            Some(_) => {
                sqlx::query("UPDATE staff SET role = $2, updated_at = $3 WHERE email_key = $1")
                    .bind(email.canonical())
                    .bind(role.as_str())
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                StaffChange::RoleChanged
            }
            None => {
                sqlx::query(
                    "INSERT INTO staff (id, email, email_key, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(new_id())
                .bind(email.as_str())
                .bind(email.canonical())
                .bind(role.as_str())
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                StaffChange::Added
            }
        };
        tx.commit().await?;
        Ok(change)
    }

    pub async fn staff_role(&self, email: &EmailAddress) -> Result<Option<Role>> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM staff WHERE email_key = $1")
                .bind(email.canonical())
                .fetch_optional(self.reader())
                .await?;
        role.map(|r| {
            r.parse()
                .map_err(|e: masthead_core::ParseError| crate::StoreError::Corrupt(e.0))
        })
        .transpose()
    }

    pub async fn count_staff(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM staff")
            .fetch_one(self.reader())
            .await?)
    }
}

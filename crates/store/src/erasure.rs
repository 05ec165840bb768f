//! Deleting a reader's data: one fan-out that every feature keeping data about readers
//! registers with (comments today; push subscriptions, newsletter sends and linked sign-in
//! identities next), so that the account code never needs to know them.
//!
//! The application builds one [`Erasures`] at start, each feature adding its [`ReaderErasure`]
//! (with whatever policy it was configured with), and hands it to
//! [`Store::delete_reader`](crate::Store::delete_reader), which runs every erasure and then
//! deletes the account, all in one transaction.

use std::sync::Arc;

use crate::{Result, Tx, group::WriteFuture};

/// What a feature does with its data about a reader whose account is being deleted.
pub trait ReaderErasure: Send + Sync + 'static {
    /// For logs and the account page's list of what deletion removes.
    fn name(&self) -> &'static str;

    /// Erases (or anonymises) the feature's rows about `reader_id` within the deleting
    /// transaction; it runs before the reader's row goes.
    fn erase<'a>(&'a self, tx: &'a mut Tx, reader_id: &'a str) -> WriteFuture<'a, ()>;
}

/// The registered erasures, run in the order they were added.
#[derive(Clone, Default)]
pub struct Erasures(Vec<Arc<dyn ReaderErasure>>);

impl Erasures {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, erasure: impl ReaderErasure) -> Self {
        self.0.push(Arc::new(erasure));
        self
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|e| e.name()).collect()
    }

    pub(crate) async fn erase_in(&self, tx: &mut Tx, reader_id: &str) -> Result<()> {
        for e in &self.0 {
            e.erase(tx, reader_id).await?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Erasures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

//! Grouped writes: many small write transactions turned into one, on SQLite.
//!
//! SQLite has one writer: every write transaction waits for the one before it, and at a few
//! thousand requests a second the waiting, not the work, is what readers feel (a burst of
//! emails from the job worker queues ahead of a reader's form). A feature whose writes are
//! small and frequent implements [`GroupWrite`] and calls [`Store::write_grouped`]:
//!
//! - On SQLite the operation goes to one task that runs whatever is waiting in **one**
//!   transaction: under load, dozens of writes share a BEGIN and a COMMIT; alone, a write runs
//!   at once.
//! - On PostgreSQL, which runs writers side by side, each operation runs in a transaction of
//!   its own, through the same code ([`GroupWrite::apply`], the batch's hooks, `finish`).
//!
//! The contract for an operation, so that it can share a transaction with strangers:
//!
//! - It makes every check before its first write, so a refused operation (a duplicate
//!   comment, a reply to a missing comment) leaves nothing in the shared transaction and
//!   needs no savepoint. A refusal is part of its `Output`, not an error.
//! - Work that should happen once per batch rather than once per operation (stamping the
//!   comment threads a batch touched with one raise of the comments epoch) goes into a
//!   [`BatchHook`]: the operation records what it touched with [`Batch::hook`]; the hooks run
//!   after the last operation, and each operation's [`GroupWrite::finish`] then reads what
//!   it needs of them (the threads' new version).
//!
//! If a batch fails, each operation is run again in its own transaction, so one bad operation
//! fails alone. If the task stops after taking an operation, the caller gets
//! [`StoreError::Interrupted`] and does not write again: the batch may have committed.

use std::{
    any::{Any, TypeId},
    future::Future,
    pin::Pin,
};

use tokio::sync::{mpsc, oneshot};

use crate::{Result, Store, StoreError, Tx};

/// A boxed future borrowing the transaction, as the traits below return.
pub type WriteFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Operations waiting at most; more wait in the channel for the next batch.
const MAX_BATCH: usize = 64;

/// A write that may share its transaction with others (see the module docs).
pub trait GroupWrite: Send + Sync + 'static {
    type Output: Send + 'static;

    /// Applies the write inside the (possibly shared) transaction: every check first, then the
    /// writes. Per-batch work is recorded in `batch`'s hooks.
    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a mut Batch) -> WriteFuture<'a, Self::Output>;

    /// After the batch's hooks ran, before the commit: completes the output from them.
    fn finish(&self, _output: &mut Self::Output, _batch: &Batch) {}
}

/// Work done once per batch, after its operations (within the same transaction).
pub trait BatchHook: Any + Send + Default {
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> WriteFuture<'a, ()>;
}

/// What the operations of one batch share: their hooks, in the order they were first used.
#[derive(Default)]
pub struct Batch {
    hooks: Vec<(TypeId, Box<dyn ErasedHook>)>,
}

impl Batch {
    /// The batch's hook of type `H`, made on first use.
    pub fn hook<H: BatchHook>(&mut self) -> &mut H {
        let id = TypeId::of::<H>();
        let at = match self.hooks.iter().position(|(t, _)| *t == id) {
            Some(at) => at,
            None => {
                self.hooks.push((id, Box::new(H::default())));
                self.hooks.len() - 1
            }
        };
        self.hooks[at]
            .1
            .as_any_mut()
            .downcast_mut()
            .expect("hooks are stored under their own type")
    }

    /// The batch's hook of type `H`, if an operation used it.
    pub fn get<H: BatchHook>(&self) -> Option<&H> {
        let id = TypeId::of::<H>();
        self.hooks
            .iter()
            .find(|(t, _)| *t == id)
            .and_then(|(_, h)| h.as_any().downcast_ref())
    }

    async fn run_hooks(&mut self, tx: &mut Tx) -> Result<()> {
        for (_, hook) in &mut self.hooks {
            hook.run(tx).await?;
        }
        Ok(())
    }
}

trait ErasedHook: Send {
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> WriteFuture<'a, ()>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<H: BatchHook> ErasedHook for H {
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> WriteFuture<'a, ()> {
        BatchHook::run(self, tx)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// An operation waiting in the task's channel, with the way back to its caller.
pub(crate) type Queued = Box<dyn ErasedOp>;

pub(crate) trait ErasedOp: Send {
    /// Applies the operation and keeps its output until [`ErasedOp::reply`].
    fn apply<'a>(&'a mut self, tx: &'a mut Tx, batch: &'a mut Batch) -> WriteFuture<'a, ()>;
    fn finish(&mut self, batch: &Batch);
    /// Forgets a kept output (its batch failed and is run again one by one).
    fn reset(&mut self);
    /// Sends the kept output, or `error`, to the caller.
    fn reply(self: Box<Self>, error: Option<StoreError>);
}

struct Pending<W: GroupWrite> {
    op: W,
    output: Option<W::Output>,
    reply: oneshot::Sender<Result<W::Output>>,
}

impl<W: GroupWrite> ErasedOp for Pending<W> {
    fn apply<'a>(&'a mut self, tx: &'a mut Tx, batch: &'a mut Batch) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            self.output = Some(self.op.apply(tx, batch).await?);
            Ok(())
        })
    }

    fn finish(&mut self, batch: &Batch) {
        if let Some(out) = &mut self.output {
            self.op.finish(out, batch);
        }
    }

    fn reset(&mut self) {
        self.output = None;
    }

    fn reply(self: Box<Self>, error: Option<StoreError>) {
        let answer = match (error, self.output) {
            (Some(e), _) => Err(e),
            (None, Some(out)) => Ok(out),
            (None, None) => Err(StoreError::Interrupted),
        };
        // A caller that went away (its request was cancelled) no longer needs the answer.
        let _ = self.reply.send(answer);
    }
}

/// Starts the task; it ends when every sender (every clone of the `Store` that holds it) is
/// gone. `store` must not hold a sender itself.
pub(crate) fn spawn(store: Store) -> mpsc::Sender<Queued> {
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(run(store, rx));
    tx
}

async fn run(store: Store, mut rx: mpsc::Receiver<Queued>) {
    while let Some(first) = rx.recv().await {
        let mut ops = vec![first];
        while ops.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        match run_batch(&store, &mut ops).await {
            Ok(()) => ops.into_iter().for_each(|op| op.reply(None)),
            Err(e) => {
                if ops.len() > 1 {
                    tracing::warn!(error = %e, "a grouped write failed; running them one by one");
                }
                for mut op in ops {
                    op.reset();
                    let alone = run_batch(&store, std::slice::from_mut(&mut op)).await;
                    op.reply(alone.err());
                }
            }
        }
    }
}

async fn run_batch(store: &Store, ops: &mut [Queued]) -> Result<()> {
    let mut tx = store.begin().await?;
    let mut batch = Batch::default();
    for op in ops.iter_mut() {
        op.apply(&mut tx, &mut batch).await?;
    }
    batch.run_hooks(&mut tx).await?;
    for op in ops.iter_mut() {
        op.finish(&batch);
    }
    tx.commit().await?;
    Ok(())
}

impl Store {
    /// Runs a grouped write (see the module docs): shared with the writes waiting at the same
    /// moment on SQLite, in a transaction of its own on PostgreSQL.
    pub async fn write_grouped<W: GroupWrite>(&self, op: W) -> Result<W::Output> {
        let op = match &self.group {
            Some(group) => {
                let (reply, answer) = oneshot::channel();
                let queued: Queued = Box::new(Pending {
                    op,
                    output: None,
                    reply,
                });
                // A closed channel means the task is gone (the runtime is shutting down); an
                // answer that never comes means it stopped mid-batch, which may have committed.
                // Neither is written again here.
                group
                    .send(queued)
                    .await
                    .map_err(|_| StoreError::Interrupted)?;
                return answer.await.map_err(|_| StoreError::Interrupted)?;
            }
            None => op,
        };
        let mut tx = self.begin().await?;
        let mut batch = Batch::default();
        let mut out = op.apply(&mut tx, &mut batch).await?;
        batch.run_hooks(&mut tx).await?;
        op.finish(&mut out, &batch);
        tx.commit().await?;
        Ok(out)
    }
}

//! Group commit for the busiest reader writes on SQLite: sign-in requests and comments.
//!
//! SQLite has one writer: every write transaction waits for the one before it, and at a few
//! thousand requests a second the waiting, not the work, is what readers feel (a burst of
//! emails from the job worker queues ahead of a reader's form). The writes a sign-in makes on
//! the way to the email — recording the request (with its rate-limit counters and its job) and
//! storing the hashes of the secrets the email carries — and posting a comment are therefore
//! sent to one task that runs whatever is waiting in **one** transaction: under load, dozens of
//! requests share a BEGIN and a COMMIT; alone, a request runs at once.
//!
//! Each operation makes all its checks before its first write, so an operation that is refused
//! (a duplicate comment, a reply to a missing comment) leaves nothing in the shared
//! transaction, and needs no savepoint. The comment threads a batch touched are stamped once,
//! after its operations, with one raise of the comments epoch.
//!
//! If a batch fails, each operation is run again in its own transaction, so one bad operation
//! fails alone. If the task itself stops after taking an operation, the caller gets
//! [`StoreError::Interrupted`](crate::StoreError::Interrupted) and does not write again: the
//! batch may have committed. PostgreSQL runs writes concurrently and does not use this.

use tokio::sync::{mpsc, oneshot};

use crate::{
    Result, Store,
    comments::{NewComment, Posted, Refusal, post_comment_in, touch_threads},
    sign_in::{NewSignInRequest, RateLimit, create_request_in, issue_secrets_in},
};

/// Operations waiting at most; more wait in the channel for the next batch.
const MAX_BATCH: usize = 64;

pub(crate) enum Op {
    CreateRequest {
        req: Box<NewSignInRequest>,
        limits: Vec<RateLimit>,
        reply: oneshot::Sender<Result<Option<String>>>,
    },
    IssueSecrets {
        id: String,
        token_hash: String,
        code_hash: String,
        reply: oneshot::Sender<Result<bool>>,
    },
    PostComment {
        c: Box<NewComment>,
        reply: oneshot::Sender<Result<Posted>>,
    },
}

enum Done {
    Created(Option<String>),
    Issued(bool),
    Posted(Posted),
}

/// Starts the task; it ends when every sender (every clone of the `Store` that holds it) is
/// gone. `store` must not hold a sender itself.
pub(crate) fn spawn(store: Store) -> mpsc::Sender<Op> {
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(run(store, rx));
    tx
}

async fn run(store: Store, mut rx: mpsc::Receiver<Op>) {
    while let Some(first) = rx.recv().await {
        let mut ops = vec![first];
        while ops.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        match run_batch(&store, &ops).await {
            Ok(results) => {
                for (op, done) in ops.into_iter().zip(results) {
                    reply(op, Ok(done));
                }
            }
            Err(e) => {
                if ops.len() > 1 {
                    tracing::warn!(error = %e, "a grouped write failed; running them one by one");
                }
                for op in ops {
                    let done = run_batch(&store, std::slice::from_ref(&op))
                        .await
                        .map(|mut d| d.remove(0));
                    reply(op, done);
                }
            }
        }
    }
}

async fn run_batch(store: &Store, ops: &[Op]) -> Result<Vec<Done>> {
    let mut tx = store.begin().await?;
    let mut results = Vec::with_capacity(ops.len());
    let mut threads: Vec<String> = Vec::new();
    for op in ops {
        results.push(match op {
            Op::CreateRequest { req, limits, .. } => {
                Done::Created(create_request_in(&mut tx, req, limits).await?)
            }
            Op::IssueSecrets {
                id,
                token_hash,
                code_hash,
                ..
            } => Done::Issued(issue_secrets_in(&mut tx, id, token_hash, code_hash).await?),
            Op::PostComment { c, .. } => match post_comment_in(&mut tx, c, true).await? {
                Ok(id) => {
                    if !threads.contains(&c.article_id) {
                        threads.push(c.article_id.clone());
                    }
                    // The version is known once every thread of the batch is stamped.
                    Done::Posted(Ok((id, 0)))
                }
                Err(refusal) => Done::Posted(Err(refusal)),
            },
        });
    }
    if !threads.is_empty() {
        let version = touch_threads(&mut tx, &threads).await?;
        for done in &mut results {
            if let Done::Posted(Ok((_, v))) = done {
                *v = version;
            }
        }
    }
    tx.commit().await?;
    Ok(results)
}

fn reply(op: Op, done: Result<Done>) {
    // A caller that went away (its request was cancelled) no longer needs the answer.
    match op {
        Op::CreateRequest { reply, .. } => {
            let _ = reply.send(done.map(|d| match d {
                Done::Created(id) => id,
                _ => None,
            }));
        }
        Op::IssueSecrets { reply, .. } => {
            let _ = reply.send(done.map(|d| matches!(d, Done::Issued(true))));
        }
        Op::PostComment { reply, .. } => {
            let _ = reply.send(done.map(|d| match d {
                Done::Posted(p) => p,
                _ => Err(Refusal::NotFound),
            }));
        }
    }
}

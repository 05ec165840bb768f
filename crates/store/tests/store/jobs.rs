//! The job queue on both backends: leases, retries and backoff, batches, the purge of done
//! jobs, and running the queue to empty for tests (`Worker::drain`, `Store::claim_jobs_due_by`).

use std::time::Duration;

use masthead_store::{
    jobs::{self, NewJob, Ran, Worker},
    now_ms,
    testing::{TestDb, assert_jobs_settled, jobs, jobs_of_kind, run_jobs_due_by},
};

#[tokio::test]
async fn a_job_whose_worker_died_is_retried_and_a_done_job_never_runs_again() {
    let db = TestDb::new().await;
    let s = &db.store;
    assert!(
        s.enqueue_job(&NewJob::now("count", serde_json::json!({"n": 1})).key("k1"))
            .await
            .unwrap()
    );
    assert!(
        !s.enqueue_job(&NewJob::now("count", serde_json::json!({"n": 1})).key("k1"))
            .await
            .unwrap()
    );

    // A worker claims the job and "dies" (never completes it).
    let claimed = s
        .claim_job("dead-worker", Duration::from_millis(200))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.attempt, 1);
    assert!(
        s.claim_job("other", Duration::from_secs(60))
            .await
            .unwrap()
            .is_none(),
        "leased jobs are not shared"
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = runs.clone();
    let worker = Worker::new(s.clone()).handle("count", move |_| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    });
    assert_eq!(
        worker.run_once().await.unwrap(),
        Ran::Done(claimed.id.clone())
    );
    assert_eq!(worker.run_once().await.unwrap(), Ran::Nothing);
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(
        s.job_status(&claimed.id).await.unwrap(),
        Some(("done".into(), 2))
    );
    assert_jobs_settled(s, 0, 0).await;
}

#[tokio::test]
async fn failing_jobs_back_off_then_go_dead() {
    let db = TestDb::new().await;
    let s = &db.store;
    let mut job = NewJob::now("flaky", serde_json::json!({}));
    job.max_attempts = 2;
    s.enqueue_job(&job).await.unwrap();
    let worker =
        Worker::new(s.clone()).handle("flaky", |_| async { Err("smtp said no".to_string()) });
    let Ran::Failed(id, err) = worker.run_once().await.unwrap() else {
        panic!("should fail")
    };
    assert_eq!(err, "smtp said no");
    assert_eq!(s.job_status(&id).await.unwrap(), Some(("queued".into(), 1)));
    assert_eq!(
        worker.run_once().await.unwrap(),
        Ran::Nothing,
        "backing off"
    );
    // Run it when its backoff ends, without waiting for it.
    assert_eq!(
        worker
            .run_due(now_ms() + jobs::backoff(1).as_millis() as i64 + 1_000)
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.job_status(&id).await.unwrap(), Some(("dead".into(), 2)));
    let counts = s.job_counts().await.unwrap();
    assert_eq!(
        counts.iter().find(|c| c.status == "dead").map(|c| c.count),
        Some(1)
    );
    // The test's purpose: one dead job.
    assert_jobs_settled(s, 1, 0).await;
}

#[tokio::test]
async fn unknown_job_kinds_fail_visibly() {
    let db = TestDb::new().await;
    db.store
        .enqueue_job(&NewJob::now("mystery", serde_json::json!({})))
        .await
        .unwrap();
    let worker = Worker::new(db.store.clone());
    let Ran::Failed(_, err) = worker.run_once().await.unwrap() else {
        panic!("should fail")
    };
    assert!(err.contains("mystery"));
    // Left queued for a retry, in case a node that knows the kind claims it.
    assert_jobs_settled(&db.store, 0, 1).await;
}

#[tokio::test]
async fn batches_run_each_job_once_and_keep_failures_apart() {
    let db = TestDb::new().await;
    let s = &db.store;
    for n in 0..20 {
        s.enqueue_job(&NewJob::now("tally", serde_json::json!({ "n": n })))
            .await
            .unwrap();
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let worker = Worker::new(s.clone()).handle("tally", move |job| {
        let record = record.clone();
        async move {
            let n = job.payload["n"].as_i64().unwrap();
            record.lock().unwrap().push(n);
            if n == 7 {
                Err("seven fails".to_owned())
            } else {
                Ok(())
            }
        }
    });
    assert_eq!(worker.run_batch().await.unwrap(), jobs::BATCH as usize);
    assert_eq!(worker.run_batch().await.unwrap(), 20 - jobs::BATCH as usize);
    assert_eq!(
        worker.run_batch().await.unwrap(),
        0,
        "the failure waits for its backoff"
    );
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(
        seen,
        (0..20).collect::<Vec<_>>(),
        "each job ran exactly once"
    );
    let counts = s.job_counts().await.unwrap();
    let count = |status: &str| {
        counts
            .iter()
            .find(|c| c.status == status)
            .map_or(0, |c| c.count)
    };
    assert_eq!(count("done"), 19);
    assert_eq!(count("queued"), 1, "{counts:?}");
    assert_eq!(count("running"), 0);
    // The failure waits for its retry.
    assert_jobs_settled(s, 0, 1).await;
}

#[tokio::test]
async fn done_jobs_are_deleted_after_their_retention_by_the_worker() {
    let db = TestDb::new().await;
    let s = &db.store;
    for key in ["old", "recent", "now"] {
        s.enqueue_job(&NewJob::now("count", serde_json::json!({})).key(key))
            .await
            .unwrap();
    }
    let mut failing = NewJob::now("fail", serde_json::json!({})).key("broken");
    failing.max_attempts = 1;
    s.enqueue_job(&failing).await.unwrap();
    let worker = Worker::new(s.clone())
        .handle("count", |_| async { Ok(()) })
        .handle("fail", |_| async { Err("no".to_owned()) });
    assert_eq!(worker.run_batch().await.unwrap(), 4);
    let day = 86_400_000;
    // Finished days ago: no store function sets when a job finished, so the test ages rows.
    let age = |key: &'static str, days: i64| async move {
        sqlx::query("UPDATE jobs SET updated_at = $2 WHERE idempotency_key = $1")
            .bind(key)
            .bind(now_ms() - days * day)
            .execute(s.reader())
            .await
            .unwrap();
    };
    age("old", 8).await;
    age("recent", 6).await;
    age("broken", 30).await;
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(
        Duration::from_millis(50),
        std::sync::Arc::new(tokio::sync::Notify::new()),
        stop,
    ));
    let keys = || async {
        let mut keys: Vec<String> = jobs(s)
            .await
            .into_iter()
            .filter_map(|j| j.idempotency_key)
            .collect();
        keys.sort();
        keys
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while keys().await.contains(&"old".to_owned()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not purge"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.abort();
    // Done within the week and dead jobs stay; the purged job's key is free again.
    assert_eq!(keys().await, ["broken", "now", "recent"]);
    assert!(
        s.enqueue_job(&NewJob::now("count", serde_json::json!({})).key("old"))
            .await
            .unwrap()
    );

    // More than a transaction's chunk: all go, across transactions. (Done jobs finished days
    // ago, written as rows: running 1,050 jobs and ageing them would say nothing more.)
    let mut tx = s.begin().await.unwrap();
    for i in 0..1_050 {
        sqlx::query(
            "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_at, created_at, updated_at) \
             VALUES ($1, 'count', '{}', 'done', 1, 8, 0, 0, $2)",
        )
        .bind(format!("bulk-{i}"))
        .bind(now_ms() - 10 * day)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let before = now_ms() - 7 * day;
    assert_eq!(s.purge_done_jobs(before).await.unwrap(), 1_050);
    assert_eq!(s.purge_done_jobs(before).await.unwrap(), 0);
    // The dead job stays for an operator; the "old" key enqueued again is not run here.
    assert_jobs_settled(s, 1, 1).await;
}

#[tokio::test]
async fn jobs_due_later_are_claimed_only_when_asked_for_by_their_time_earliest_first() {
    let db = TestDb::new().await;
    let s = &db.store;
    let minute = 60_000;
    let now = now_ms();
    for (key, at) in [
        ("in-two-days", now + 2 * 1_440 * minute),
        ("now", now),
        ("in-fifteen-minutes", now + 15 * minute),
    ] {
        s.enqueue_job(
            &NewJob::now("count", serde_json::json!({ "key": key }))
                .at(at)
                .key(key),
        )
        .await
        .unwrap();
    }
    let lease = Duration::from_secs(60);
    let key = |job: &jobs::ClaimedJob| job.payload["key"].as_str().unwrap().to_owned();

    // A worker's claim is unchanged: only what is due now.
    let claimed = s.claim_jobs("worker", lease, 10).await.unwrap();
    assert_eq!(claimed.iter().map(key).collect::<Vec<_>>(), ["now"]);
    assert!(s.claim_jobs("worker", lease, 10).await.unwrap().is_empty());
    s.complete_job(&claimed[0].id).await.unwrap();

    // By a time: what is due by then, and no more.
    let by_twenty = now_ms() + 20 * minute;
    let claimed = s
        .claim_jobs_due_by("tests", lease, 10, by_twenty)
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(key).collect::<Vec<_>>(),
        ["in-fifteen-minutes"]
    );
    assert_eq!(claimed[0].attempt, 1);
    assert!(
        s.claim_jobs_due_by("other", lease, 10, by_twenty)
            .await
            .unwrap()
            .is_empty(),
        "a claimed job is leased, however early it was claimed"
    );
    s.complete_job(&claimed[0].id).await.unwrap();

    // A time in the past claims nothing that is due now or later.
    s.enqueue_job(&NewJob::now("count", serde_json::json!({ "key": "late" })).key("late"))
        .await
        .unwrap();
    assert!(
        s.claim_jobs_due_by("tests", lease, 10, now - minute)
            .await
            .unwrap()
            .is_empty()
    );

    // Draining by a late enough time runs the rest, earliest due first.
    let ran = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = ran.clone();
    let worker = Worker::new(s.clone()).handle("count", move |job| {
        record
            .lock()
            .unwrap()
            .push(job.payload["key"].as_str().unwrap().to_owned());
        async { Ok(()) }
    });
    assert_eq!(worker.drain(now_ms()).await.unwrap(), 1);
    assert_eq!(*ran.lock().unwrap(), ["late"]);
    assert_eq!(
        worker.drain(now_ms() + 3 * 1_440 * minute).await.unwrap(),
        1
    );
    assert_eq!(*ran.lock().unwrap(), ["late", "in-two-days"]);
    assert_eq!(worker.drain(i64::MAX).await.unwrap(), 0);
    assert_jobs_settled(s, 0, 0).await;
}

#[tokio::test]
async fn draining_runs_the_work_jobs_enqueue_and_ends_a_failing_job_dead() {
    let db = TestDb::new().await;
    let s = &db.store;
    let hour = 3_600_000;
    // Each "chain" job enqueues the next, an hour later, up to the third.
    s.enqueue_job(&NewJob::now("chain", serde_json::json!({ "n": 1 })).key("chain-1"))
        .await
        .unwrap();
    let mut flaky = NewJob::now("flaky", serde_json::json!({})).key("flaky");
    flaky.max_attempts = 3;
    s.enqueue_job(&flaky).await.unwrap();
    let store = s.clone();
    let worker = Worker::new(s.clone())
        .handle("chain", move |job| {
            let store = store.clone();
            async move {
                let n = job.payload["n"].as_i64().unwrap();
                if n < 3 {
                    let next = NewJob::now("chain", serde_json::json!({ "n": n + 1 }))
                        .at(now_ms() + hour)
                        .key(format!("chain-{}", n + 1));
                    store.enqueue_job(&next).await.map_err(|e| e.to_string())?;
                }
                Ok(())
            }
        })
        .handle("flaky", |_| async { Err("smtp said no".to_owned()) });

    // Due now: the first link and the flaky job's first attempt; its retry waits.
    assert_eq!(worker.drain(now_ms()).await.unwrap(), 2);
    assert_jobs_settled(s, 0, 2).await;

    // A day ahead: the chain to its end, the flaky job through its attempts to dead.
    let ran = run_jobs_due_by(&worker, s, now_ms() + 24 * hour).await;
    assert_eq!(ran, 2 + 2, "two more links, two more attempts");
    let (status, attempts) = s.job_status(&flaky_id(s).await).await.unwrap().unwrap();
    assert_eq!((status.as_str(), attempts), ("dead", 3));
    assert_jobs_settled(s, 1, 0).await;
}

async fn flaky_id(s: &masthead_store::Store) -> String {
    jobs_of_kind(s, "flaky").await.remove(0).id
}

/// A typed job kind for the tests below: it records what it ran in its environment.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Tally {
    n: i64,
}

impl jobs::Job for Tally {
    const KIND: &'static str = "tally";
    const MAX_ATTEMPTS: i64 = 5;

    fn key(&self) -> Option<String> {
        Some(format!("tally:{}", self.n))
    }

    fn retry_in(_attempt: i64) -> Duration {
        Duration::from_secs(42)
    }
}

impl jobs::RunJob<std::sync::Mutex<Vec<i64>>> for Tally {
    async fn run(&self, seen: &std::sync::Mutex<Vec<i64>>) -> Result<(), jobs::JobError> {
        if self.n < 0 {
            return Err(jobs::JobError::msg("negative numbers are refused"));
        }
        seen.lock().unwrap().push(self.n);
        Ok(())
    }
}

#[tokio::test]
async fn typed_jobs_run_with_their_payload_policy_and_environment_and_an_unreadable_payload_is_dead_at_once()
 {
    let db = TestDb::new().await;
    let s = &db.store;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let worker = Worker::new(s.clone()).register::<Tally, _>(seen.clone());
    assert_eq!(worker.kinds(), ["tally"]);
    for n in [1, 2, -1] {
        assert!(s.enqueue_job(&NewJob::of(&Tally { n })).await.unwrap());
    }
    // The key is the kind's: the same payload again is a no-op.
    assert!(!s.enqueue_job(&NewJob::of(&Tally { n: 1 })).await.unwrap());
    // A payload of the kind's name that this version cannot read.
    s.enqueue_job(&NewJob::now("tally", serde_json::json!({ "n": "three" })))
        .await
        .unwrap();
    let started = now_ms();
    while worker.run_once().await.unwrap() != Ran::Nothing {}
    let mut ran = seen.lock().unwrap().clone();
    ran.sort_unstable();
    assert_eq!(ran, [1, 2]);
    let rows = jobs(s).await;
    let refused = rows
        .iter()
        .find(|j| j.idempotency_key.as_deref() == Some("tally:-1"))
        .unwrap();
    assert_eq!((refused.status.as_str(), refused.attempts), ("queued", 1));
    assert!(
        refused.run_at >= started + 42_000,
        "the kind's retry policy: {} vs {started}",
        refused.run_at
    );
    let unreadable = rows.iter().find(|j| j.idempotency_key.is_none()).unwrap();
    assert_eq!(
        (unreadable.status.as_str(), unreadable.attempts),
        ("dead", 1),
        "a payload that can never be read is not retried"
    );
    assert!(
        unreadable
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("unreadable tally payload"),
        "{:?}",
        unreadable.last_error
    );
    assert_jobs_settled(s, 1, 1).await;
}

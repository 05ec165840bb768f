//! The harness's own promises: a test that leaves a job behind, or lets one die, fails unless
//! it says so; `run_due_jobs` runs work scheduled for later.

use masthead_store::{jobs::NewJob, testing::jobs_of_kind};

use crate::common::spawn_app;

/// A job of a kind no node runs: every attempt fails.
fn mystery(run_at: i64) -> NewJob {
    let mut job = NewJob::now("mystery", serde_json::json!({})).at(run_at);
    job.max_attempts = 1;
    job
}

#[tokio::test]
#[should_panic(expected = "jobs left queued or running")]
async fn a_job_left_scheduled_fails_the_test() {
    let app = spawn_app().await;
    let in_an_hour = masthead_store::now_ms() + 3_600_000;
    app.db
        .store
        .enqueue_job(&mystery(in_an_hour))
        .await
        .unwrap();
    app.stop().await;
}

#[tokio::test]
#[should_panic(expected = "dead jobs")]
async fn a_dead_job_fails_the_test() {
    let app = spawn_app().await;
    let in_an_hour = masthead_store::now_ms() + 3_600_000;
    app.db
        .store
        .enqueue_job(&mystery(in_an_hour))
        .await
        .unwrap();
    app.run_due_jobs().await;
    app.stop().await;
}

#[tokio::test]
async fn declared_jobs_pass_and_later_work_runs_at_once() {
    let app = spawn_app().await;
    let now = masthead_store::now_ms();
    app.db
        .store
        .enqueue_job(&mystery(now + 3_600_000))
        .await
        .unwrap();
    app.run_due_jobs().await;
    let jobs = jobs_of_kind(&app.db.store, "mystery").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].status.as_str(), jobs[0].attempts),
        ("dead", 1),
        "run an hour early"
    );
    app.expect_dead_jobs(1);
    app.db
        .store
        .enqueue_job(&mystery(now + 7_200_000).key("left"))
        .await
        .unwrap();
    app.expect_jobs_left(1);
    app.stop().await;
}

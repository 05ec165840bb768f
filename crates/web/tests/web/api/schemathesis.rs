//! Schemathesis (PyPI, installed by `.ci/test-tools`) against `/api/openapi.json`: the Content
//! API anonymously and the Admin API with an admin key. Checks: no 5xx, every response's
//! status, content type and body as the document says. A bounded number of examples per
//! operation keeps it under two minutes; the test prints Schemathesis's report and fails when
//! it reports a failure.

use std::process::Command;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_against_the_openapi_document() {
    let app = crate::common::spawn_app_with(|c| {
        // The fuzzer is one client making many requests: no limits for it.
        c.api_per_minute = 0;
        c.api_key_per_minute = 0;
        c.search_per_minute = 0;
    })
    .await;
    let token = key(&app, Role::Admin).await;
    let url = app.url("/api/openapi.json");
    let checks = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance";
    let auth = format!("Authorization: Bearer {token}");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("schemathesis")
            .args([
                "run",
                &url,
                "--checks",
                checks,
                "--max-examples",
                "15",
                "--seed",
                "1",
                "--phases",
                "examples,coverage,fuzzing",
                "--request-timeout",
                "20",
                // One worker: with two, Hypothesis's lambda-source cache (not thread-safe)
                // fails a run now and then with "AST constructor recursion depth mismatch".
                "--workers",
                "1",
                "--no-color",
                "-H",
                &auth,
            ])
            .env("SCHEMATHESIS_HOOKS", "")
            // Its cache (`.schemathesis/`) goes there, not into the source tree.
            .current_dir(std::env::temp_dir())
            .output()
    })
    .await
    .unwrap()
    .expect("schemathesis is installed (bash .ci/test-tools)");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{report}");
    assert!(
        out.status.success(),
        "Schemathesis reported failures:\n{report}"
    );
    // It really ran every operation of the document (a run that tested nothing must not
    // pass): its summary says `Tested: N` for the document's N operations, and cases passed.
    let (_, doc) = json_of(app.get("/api/openapi.json").await).await;
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert!(operations >= 18, "{operations} operations");
    assert!(
        report.contains(&format!("Tested: {operations}")),
        "not every one of the {operations} operations was tested:\n{report}"
    );
    assert!(report.contains(" passed"), "{report}");
    // Nothing of the document was skipped for a reference it could not follow.
    assert!(!report.contains("Unresolvable reference"), "{report}");
    // Articles it scheduled for later keep their publication jobs queued: declared.
    app.run_jobs_due_by(masthead_store::now_ms()).await;
    let counts = app.db.store.job_counts().await.unwrap();
    let left = counts
        .iter()
        .filter(|c| c.status == "queued")
        .map(|c| c.count)
        .sum();
    app.expect_jobs_left(left);
    app.stop().await;
}

//! Deleted accounts: their comments stay anonymous, or go.

use super::*;

#[tokio::test]
async fn deleted_accounts_leave_anonymous_comments_or_none() {
    for remove in [false, true] {
        let app = spawn_app_with(move |c| {
            c.comments.close_after_days = 0;
            if remove {
                c.comments.on_delete = masthead_web::OnDelete::Remove;
            }
        })
        .await;
        let ana = app.reader("ana@example.com").await;
        let tom = app.reader("tom@example.com").await;
        let a = posted_id(&post(&ana, &app, &[("name", "Ana"), ("text", "Words of Ana")]).await);
        post(
            &tom,
            &app,
            &[("name", "Tom"), ("text", "Words of Tom"), ("parent", &a)],
        )
        .await;
        post(&ana, &app, &[("text", "More from Ana")]).await;
        // A like Ana gave on another thread, whose page is cached with it.
        let t = posted_id(&post_to(&tom, &app, OTHER_THREAD, &[("text", "Tom elsewhere")]).await);
        let like = format!("{OTHER_THREAD}/{t}/like");
        assert_eq!(
            ana.submit(&app, OTHER_THREAD, &like, &[]).await.status(),
            303
        );
        assert!(app.text(OTHER_THREAD).await.1.contains("1 like<"));
        let export = ana
            .client
            .get(app.url("/account/export"))
            .send()
            .await
            .unwrap();
        let json: serde_json::Value = export.json().await.unwrap();
        let texts: Vec<&str> = json["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts, vec!["Words of Ana", "More from Ana"]);
        let res = ana
            .submit(&app, "/account/delete", "/account/delete", &[])
            .await;
        assert_eq!(res.status(), 200);
        let (_, page) = app.text(THREAD).await;
        assert!(page.contains("Words of Tom"));
        if remove {
            assert!(!page.contains("Words of Ana") && !page.contains("More from Ana"));
            assert!(
                page.contains("Comment deleted"),
                "placeholder where Tom replied"
            );
            assert!(page.contains("Comments <span class=\"comment-count\">(1)</span>"));
        } else {
            assert!(page.contains("Words of Ana") && page.contains("Deleted account"));
            assert!(!page.contains(">Ana<"));
        }
        // The like is gone from the other thread's page too (its version moved).
        let mut seen = false;
        for _ in 0..40 {
            if app.text(OTHER_THREAD).await.1.contains("0 likes<") {
                seen = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(seen, "the thread Ana liked still counts her like");
        assert_counts_consistent(&app).await;
        // The email of Tom's reply to Ana finds her account gone and sends nothing.
        app.run_due_jobs().await;
        app.stop().await;
    }
}

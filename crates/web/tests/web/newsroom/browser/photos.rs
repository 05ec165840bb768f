//! `photos.js` in chromium: a photo dropped on the upload form is uploaded (the same multipart
//! POST as the file input), and a click on a photo's preview sets its focal point fields, which
//! the Save button then stores. Without the script the form keeps its plain file input and
//! number fields (covered over HTTP in `crate::photos`).

use base64::Engine as _;
use masthead_core::Role;

use super::localhost_app;
use crate::chromium::Chromium;

const EDITOR: &str = "pictures@example.com";

/// The library id in a photo page's URL (`/newsroom/photos/ID?…`).
fn photo_id_in(url: &str) -> String {
    url.split("/newsroom/photos/")
        .nth(1)
        .and_then(|s| s.split(['?', '/', '#']).next())
        .unwrap_or_else(|| panic!("not a photo page: {url}"))
        .to_owned()
}

#[tokio::test]
async fn a_dropped_photo_is_uploaded_and_a_click_sets_the_focal_point() {
    let (app, base) = localhost_app().await;
    let browser = Chromium::start().await;
    browser
        .sign_in_as_staff(&app, &base, EDITOR, Role::Editor)
        .await;
    browser.goto(&format!("{base}/newsroom/photos/new")).await;
    browser
        .wait_for(
            "document.querySelector('form[data-dropzone]')",
            "document.body.innerText",
        )
        .await;
    // The script shows the drop hint that is hidden without it.
    assert_eq!(
        browser
            .js("return document.querySelector('.photo-drop-hint').hidden;")
            .await,
        false
    );

    // A drop of a file made in the page: what a drag from the desktop delivers.
    let b64 = base64::engine::general_purpose::STANDARD.encode(crate::photos::jpeg(800, 600));
    browser
        .js(&format!(
            "const bytes = Uint8Array.from(atob('{b64}'), c => c.charCodeAt(0));
             const dt = new DataTransfer();
             dt.items.add(new File([bytes], 'quay.jpg', {{ type: 'image/jpeg' }}));
             const form = document.querySelector('form[data-dropzone]');
             form.dispatchEvent(new DragEvent('dragover', {{ dataTransfer: dt, bubbles: true, cancelable: true }}));
             form.dispatchEvent(new DragEvent('drop', {{ dataTransfer: dt, bubbles: true, cancelable: true }}));
             return true;"
        ))
        .await;
    browser
        .wait_for(
            "/\\/newsroom\\/photos\\/[0-9a-f-]{36}/.test(location.pathname)",
            "location.href + ' ' + document.body.innerText",
        )
        .await;
    let id = photo_id_in(&browser.current_url().await);
    let photo = app
        .db
        .store
        .library_photo(&id)
        .await
        .unwrap()
        .expect("the dropped photo is in the library");
    assert_eq!((photo.width, photo.height), (800, 600));
    assert_eq!((photo.focal_x, photo.focal_y), (500, 500), "the default");

    // Once its sizes exist the page shows a preview; a click on it sets the focal point.
    app.run_due_jobs().await;
    browser.goto(&format!("{base}/newsroom/photos/{id}")).await;
    browser
        .wait_for(
            "document.getElementById('photo-preview') && document.getElementById('photo-preview').complete",
            "document.body.innerHTML",
        )
        .await;
    browser
        .js("const img = document.getElementById('photo-preview');
             img.scrollIntoView();
             const r = img.getBoundingClientRect();
             img.dispatchEvent(new MouseEvent('click', {
               bubbles: true, clientX: r.left + r.width * 0.25, clientY: r.top + r.height * 0.75 }));
             return true;")
        .await;
    // A click lands on a whole pixel: a quarter across and three quarters down, to within a
    // pixel of the 960-pixel-wide preview (0.1 %), in the fields' per cent with one decimal.
    let fields = browser
        .js("return [document.getElementById('f-focal_x').value, document.getElementById('f-focal_y').value];")
        .await;
    let at = |i: usize| -> f64 { fields[i].as_str().unwrap().parse().unwrap() };
    assert!(
        (at(0) - 25.0).abs() <= 0.2 && (at(1) - 75.0).abs() <= 0.2,
        "{fields}"
    );
    browser.type_into("#f-alt", "Cranes on the quay").await;
    browser.click(".photo-form button[type=submit]").await;
    browser
        .wait_for(
            "document.body.innerText.indexOf('Saved') >= 0 || document.getElementById('form-errors')",
            "document.body.innerText",
        )
        .await;
    let photo = app.db.store.library_photo(&id).await.unwrap().unwrap();
    assert!(
        (photo.focal_x - 250).abs() <= 2 && (photo.focal_y - 750).abs() <= 2,
        "the clicked point, in thousandths: {} {}",
        photo.focal_x,
        photo.focal_y
    );
    assert_eq!(photo.alt, "Cranes on the quay");
    app.stop().await;
}

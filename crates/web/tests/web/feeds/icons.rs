//! The favicon, icons and web app manifest, drawn from the publication's initial.

use super::tools::fetch;
use crate::common::spawn_app;

#[tokio::test]
async fn the_favicon_icons_and_manifest_are_served_and_cacheable() {
    let app = spawn_app().await;
    let (status, h, ico) = fetch(&app, "/favicon.ico", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "image/x-icon");
    // An ICO directory of PNG images, each readable and of the size the directory says.
    assert_eq!(&ico[..4], &[0, 0, 1, 0]);
    let count = u16::from_le_bytes([ico[4], ico[5]]) as usize;
    assert_eq!(count, 3);
    for i in 0..count {
        let entry = &ico[6 + 16 * i..6 + 16 * (i + 1)];
        let size = u32::from_le_bytes(entry[8..12].try_into().unwrap()) as usize;
        let offset = u32::from_le_bytes(entry[12..16].try_into().unwrap()) as usize;
        let img = image::load_from_memory(&ico[offset..offset + size]).unwrap();
        assert_eq!(img.width(), u32::from(entry[0]));
        assert_eq!(img.height(), u32::from(entry[1]));
    }
    let etag = h["etag"].to_str().unwrap().to_owned();
    let (status, _, _) = fetch(&app, "/favicon.ico", &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);

    for (path, size) in [
        ("/icon-192.png", 192),
        ("/icon-512.png", 512),
        ("/apple-touch-icon.png", 180),
    ] {
        let (status, h, png) = fetch(&app, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(h["content-type"], "image/png");
        let img = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!((img.width(), img.height()), (size, size), "{path}");
        // "The Test Tribune" → T: the stem in white at the centre, ink beside it and in the
        // corners.
        assert_eq!(
            img.get_pixel(size / 2, size / 2).0,
            [255, 255, 255, 255],
            "{path}"
        );
        assert_ne!(
            img.get_pixel(size / 4, size / 2).0,
            [255, 255, 255, 255],
            "{path}"
        );
        assert_eq!(img.get_pixel(0, 0).0, [0x1a, 0x1a, 0x1a, 255], "{path}");
    }

    let (status, h, svg) = fetch(&app, "/icon.svg", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "image/svg+xml");
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains(">T</text>"), "{svg}");

    let (status, h, manifest) = fetch(&app, "/manifest.webmanifest", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "application/manifest+json");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(manifest["name"], "The Test Tribune");
    assert_eq!(manifest["start_url"], "/");
    let icons = manifest["icons"].as_array().unwrap();
    for icon in icons {
        let src = icon["src"].as_str().unwrap();
        let (status, _, _) = fetch(&app, src, &[]).await;
        assert_eq!(status, 200, "{src}");
    }
    assert!(
        icons
            .iter()
            .any(|i| i["sizes"] == "512x512" && i["purpose"] == "maskable")
    );
    app.stop().await;
}

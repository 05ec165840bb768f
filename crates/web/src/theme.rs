//! Themes: minijinja templates and static files. The default theme is embedded in the binary;
//! `--theme DIR` overrides it file by file (a theme may change one template and inherit the
//! rest), read at start without recompiling, as publishers expect from Ghost or WordPress.

use std::{collections::HashMap, path::Path, sync::Arc};

use axum::{
    extract::{Path as UrlPath, RawQuery, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use include_dir::{Dir, include_dir};
use minijinja::Environment;

use crate::AppState;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../themes/default");

/// A static file with its content type and a short content hash for cache-busting URLs.
struct Asset {
    bytes: bytes::Bytes,
    content_type: &'static str,
    hash: String,
}

#[derive(Clone)]
pub struct Theme {
    env: Arc<Environment<'static>>,
    assets: Arc<HashMap<String, Asset>>,
}

impl Theme {
    pub fn load(override_dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut templates: HashMap<String, String> = HashMap::new();
        let mut assets = HashMap::new();
        collect(&DEFAULT_THEME, &mut templates, &mut assets);
        if let Some(dir) = override_dir {
            if !dir.is_dir() {
                anyhow::bail!(
                    "theme directory {} does not exist or is not a directory",
                    dir.display()
                );
            }
            collect_dir(dir, dir, &mut templates, &mut assets)?;
        }
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        for (name, source) in templates {
            env.add_template_owned(name.clone(), source)
                .map_err(|e| anyhow::anyhow!("theme template {name} has an error: {e}"))?;
        }
        for required in [
            "front.html",
            "article.html",
            "section.html",
            "tag.html",
            "author.html",
            "error.html",
        ] {
            env.get_template(required)
                .map_err(|_| anyhow::anyhow!("the theme has no {required} template"))?;
        }
        Ok(Self {
            env: Arc::new(env),
            assets: Arc::new(assets),
        })
    }

    pub fn render(
        &self,
        name: &str,
        ctx: impl serde::Serialize,
    ) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }

    /// The URL of a static file, with its content hash so that it can be cached for a year.
    pub fn static_url(&self, path: &str) -> String {
        match self.assets.get(path) {
            Some(a) => format!("/static/{path}?v={}", a.hash),
            None => format!("/static/{path}"),
        }
    }
}

/// Escapes like minijinja's default, but leaves `/` alone: `&#x2f;` in every URL is noise
/// that costs bytes on every page and helps nothing inside quoted attributes.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if matches!(state.auto_escape(), minijinja::AutoEscape::Html)
        && !value.is_safe()
        && let Some(s) = value.as_str()
    {
        return write_escaped(out, s).map_err(|_| {
            minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed")
        });
    }
    minijinja::escape_formatter(out, state, value)
}

fn write_escaped(out: &mut minijinja::Output<'_>, s: &str) -> std::fmt::Result {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&s[last..i])?;
        out.write_str(rep)?;
        last = i + 1;
    }
    out.write_str(&s[last..])
}

fn insert(
    path: &str,
    bytes: Vec<u8>,
    templates: &mut HashMap<String, String>,
    assets: &mut HashMap<String, Asset>,
) {
    if let Some(name) = path.strip_prefix("templates/") {
        templates.insert(
            name.to_owned(),
            String::from_utf8_lossy(&bytes).into_owned(),
        );
    } else if let Some(name) = path.strip_prefix("static/") {
        let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes));
        assets.insert(
            name.to_owned(),
            Asset {
                content_type: content_type(name),
                hash: hash[..10].to_owned(),
                bytes: bytes.into(),
            },
        );
    }
}

fn collect(
    dir: &Dir<'static>,
    templates: &mut HashMap<String, String>,
    assets: &mut HashMap<String, Asset>,
) {
    for file in dir.files() {
        insert(
            &file.path().to_string_lossy(),
            file.contents().to_vec(),
            templates,
            assets,
        );
    }
    for sub in dir.dirs() {
        collect(sub, templates, assets);
    }
}

fn collect_dir(
    root: &Path,
    dir: &Path,
    templates: &mut HashMap<String, String>,
    assets: &mut HashMap<String, Asset>,
) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_dir(root, &path, templates, assets)?;
        } else {
            let rel = path
                .strip_prefix(root)?
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            insert(&rel, bytes, templates, assets);
        }
    }
    Ok(())
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json" | "webmanifest") => "application/json",
        _ => "application/octet-stream",
    }
}

/// `/static/*`: theme files. With the right `?v=` they never change, so they are cached for
/// a year.
pub async fn static_file(
    State(app): State<AppState>,
    UrlPath(path): UrlPath<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some(asset) = app.theme.assets.get(&path) else {
        return crate::pages::not_found(State(app)).await.into_response();
    };
    let versioned = q.as_deref() == Some(&format!("v={}", asset.hash));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.bytes.clone(),
    )
        .into_response()
}

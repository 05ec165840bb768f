//! Turning another platform's bodies into Masthead's Markdown, shared by the Ghost and
//! WordPress importers: the HTML converter (`html.rs`), and what a converted body carries
//! besides its text (the photos it places, the notes for the report).

mod html;
mod text;

use std::path::{Path, PathBuf};

pub use html::html_to_markdown;
pub use text::html_to_text;

/// Finds the file of an image named in a body (`src`, and the `class` of the `<img>`, where
/// WordPress names the attachment: `wp-image-123`). `None`: not available here.
pub trait MediaLookup {
    fn find(&self, src: &str, class: &str) -> Option<PathBuf>;
}

/// A converted body: Markdown, the photos it places (by name, `![](photo-1)`), and what could
/// not be converted.
#[derive(Debug, Default, Clone)]
pub struct Body {
    pub markdown: String,
    pub photos: Vec<BodyPhoto>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct BodyPhoto {
    pub name: String,
    pub file: PathBuf,
    pub alt: String,
    pub caption: String,
}

impl Body {
    pub fn note(&mut self, message: impl Into<String>) {
        self.notes.push(message.into());
    }

    /// Adds a photo and returns the name that places it in the body.
    pub fn add_photo(&mut self, file: PathBuf, alt: &str, caption: &str) -> String {
        let name = format!("photo-{}", self.photos.len() + 1);
        self.photos.push(BodyPhoto {
            name: name.clone(),
            file,
            alt: alt.to_owned(),
            caption: caption.to_owned(),
        });
        name
    }

    /// Takes a photo back out (its file could not be read): the body no longer places it.
    pub fn remove_photo(&mut self, name: &str) {
        self.photos.retain(|p| p.name != name);
        self.markdown = self
            .markdown
            .replace(&format!("\n\n![]({name})\n\n"), "\n\n")
            .replace(&format!("![]({name})"), "");
    }
}

/// The part of an image address after `marker` (`/content/images/`, `/wp-content/uploads/`),
/// without a query, as a relative path that cannot leave the media folder.
pub fn media_relative_path(src: &str, marker: &str) -> Option<PathBuf> {
    let at = src.find(marker)?;
    let rest = &src[at + marker.len()..];
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let rest = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?
        .into_owned();
    let mut path = PathBuf::new();
    for part in rest.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            if part.is_empty() || part == "." {
                continue;
            }
            return None;
        }
        path.push(part);
    }
    (!path.as_os_str().is_empty()).then_some(path)
}

/// A file under the media folder, if it is there.
pub fn existing(dir: Option<&Path>, relative: &Path) -> Option<PathBuf> {
    let p = dir?.join(relative);
    p.is_file().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_paths_stay_inside_the_folder() {
        assert_eq!(
            media_relative_path(
                "https://x.example/content/images/2024/05/quay.jpg?v=2",
                "/content/images/"
            ),
            Some(PathBuf::from("2024/05/quay.jpg"))
        );
        assert_eq!(
            media_relative_path("/content/images/../../etc/passwd", "/content/images/"),
            None
        );
        assert_eq!(
            media_relative_path("/wp-content/uploads/2024/a%20b.png", "/wp-content/uploads/"),
            Some(PathBuf::from("2024/a b.png"))
        );
    }
}

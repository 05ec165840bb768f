//! `site.toml`: the publication's name, tagline and time zone, its sections in display order,
//! and its authors with their bios.

use std::{collections::HashMap, path::Path};

use masthead_core::Slug;
use masthead_store::Store;
use serde::Deserialize;

use crate::ImportError;

/// Settings keys written by a `site.toml`; configuration (`MASTHEAD_*`) overrides them.
pub const SETTING_NAME: &str = "site.name";
pub const SETTING_TAGLINE: &str = "site.tagline";
pub const SETTING_TIME_ZONE: &str = "site.time_zone";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tagline: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub sections: Vec<SectionEntry>,
    #[serde(default)]
    pub authors: Vec<AuthorEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionEntry {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorEntry {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub bio: String,
}

impl SiteFile {
    pub fn read(path: &Path) -> Result<Self, ImportError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ImportError::Input(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| ImportError::Input(format!("{}: {e}", path.display())))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let site: SiteFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            match line {
                Some(l) => format!("line {l}: {}", e.message()),
                None => e.message().to_owned(),
            }
        })?;
        if let Some(tz) = &site.time_zone {
            jiff::tz::TimeZone::get(tz).map_err(|_| {
                format!("unknown time zone “{tz}” (use an IANA name such as Europe/Lisbon)")
            })?;
        }
        for s in &site.sections {
            Slug::parse_section(&s.slug).map_err(|e| format!("section {}: {}", s.slug, e.0))?;
        }
        for a in &site.authors {
            Slug::parse(&a.slug).map_err(|e| format!("author {}: {}", a.slug, e.0))?;
        }
        Ok(site)
    }

    pub(crate) async fn apply(
        &self,
        store: &Store,
        sections: &mut HashMap<String, String>,
        authors: &mut HashMap<String, String>,
    ) -> Result<(), ImportError> {
        for (key, value) in [
            (SETTING_NAME, &self.name),
            (SETTING_TAGLINE, &self.tagline),
            (SETTING_TIME_ZONE, &self.time_zone),
        ] {
            if let Some(v) = value {
                store.set_setting(key, v).await?;
            }
        }
        for (position, s) in self.sections.iter().enumerate() {
            let slug = Slug::parse_section(&s.slug).map_err(|e| ImportError::Input(e.0))?;
            let id = store
                .upsert_section(&slug, &s.name, &s.description, position as i64)
                .await?;
            sections.insert(slug.into_string(), id);
        }
        for a in &self.authors {
            let slug = Slug::parse(&a.slug).map_err(|e| ImportError::Input(e.0))?;
            let id = store.upsert_author(&slug, &a.name, &a.bio).await?;
            authors.insert(slug.into_string(), id);
        }
        Ok(())
    }
}

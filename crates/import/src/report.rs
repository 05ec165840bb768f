//! What a Ghost or WordPress import is told (options) and what it tells (the report: counts
//! and `FILE:ITEM: message` lines).

use std::path::PathBuf;

use masthead_core::Slug;

/// A line of the report: `FILE:ITEM: message`, or `FILE:LINE:ITEM: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub file: String,
    pub line: Option<u64>,
    pub item: String,
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}:{}: {}", self.file, self.item, self.message),
            None => write!(f, "{}:{}: {}", self.file, self.item, self.message),
        }
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Default, Clone)]
pub struct PlatformReport {
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub failed: usize,
    pub notes: Vec<Note>,
    pub dry_run: bool,
}

impl PlatformReport {
    pub fn summary(&self) -> String {
        format!(
            "{}{} imported, {} updated, {} unchanged, {} skipped, {} failed",
            if self.dry_run {
                "Dry run, nothing written: "
            } else {
                ""
            },
            self.imported,
            self.updated,
            self.unchanged,
            self.skipped,
            self.failed
        )
    }

    pub fn total(&self) -> usize {
        self.imported + self.updated + self.unchanged + self.skipped + self.failed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Imported,
    Updated,
    Unchanged,
    Failed,
}

/// Options common to both platforms.
#[derive(Debug, Clone)]
pub struct PlatformOptions {
    /// Where photos are copied (DATA/media).
    pub media_out: PathBuf,
    /// The export's files (`--media DIR`).
    pub media_in: Option<PathBuf>,
    pub dry_run: bool,
    /// What becomes of pages (Ghost and WordPress pages): skipped, or articles of a section.
    pub pages: PagesPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagesPolicy {
    Skip,
    Section(String),
}

impl std::str::FromStr for PagesPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "skip" => Ok(Self::Skip),
            other => match other.strip_prefix("section:") {
                Some(slug) => Slug::parse_section(slug)
                    .map(|s| Self::Section(s.into_string()))
                    .map_err(|e| format!("--pages section:{slug}: {}", e.0)),
                None => Err(format!(
                    "unknown --pages “{other}”: use skip or section:SLUG (for example section:about)"
                )),
            },
        }
    }
}

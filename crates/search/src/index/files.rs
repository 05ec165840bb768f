//! The index's files: swapping the live link to a new generation, removing stale
//! generations, and measuring a directory.

use super::*;

/// Points `DATA/search-index` at `dir` with one atomic rename of a fresh link over the old one.
pub(super) fn swap_link(data_dir: &Path, dir: &Path) -> Result<()> {
    let name = dir
        .file_name()
        .expect("generation directories have a name")
        .to_owned();
    let tmp = data_dir.join(format!(".{LINK}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(&name, &tmp).map_err(io_err(&tmp))?;
    let link = data_dir.join(LINK);
    // A real directory at the link's place (an index copied by hand) cannot be renamed over.
    if link.is_dir() && std::fs::read_link(&link).is_err() {
        let aside = data_dir.join(format!(
            "{GENERATION_PREFIX}replaced-{}",
            std::process::id()
        ));
        std::fs::rename(&link, &aside).map_err(io_err(&link))?;
    }
    std::fs::rename(&tmp, &link).map_err(io_err(&link))?;
    Ok(())
}

/// Deletes generation directories that are not kept: finished ones, and unfinished ones old
/// enough to be the leftovers of a crashed rebuild (a rebuild in progress is younger).
pub(super) fn remove_stale(data_dir: &Path, keep: &[&Path]) {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(GENERATION_PREFIX) || keep.iter().any(|k| *k == path) {
            continue;
        }
        if !path.is_dir() || std::fs::read_link(&path).is_ok() {
            continue;
        }
        let finished = path.join(BUILD_INFO).exists();
        let abandoned = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age > ABANDONED_AFTER);
        if finished || abandoned {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => {
                    tracing::info!(dir = %path.display(), "search index: removed an old generation")
                }
                Err(e) => {
                    tracing::warn!(dir = %path.display(), error = %e, "search index: cannot remove an old generation")
                }
            }
        }
    }
}

pub(super) fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

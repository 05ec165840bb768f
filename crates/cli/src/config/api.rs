//! The APIs' rate limits (`api/auth.rs` in `masthead-web`): `MASTHEAD_API_PER_MINUTE`
//! (`api_per_minute` in masthead.toml; requests per client address per minute on one node,
//! default 600) and `MASTHEAD_API_KEY_PER_MINUTE` (`api_key_per_minute`; Admin API requests
//! per key per minute on one node, default 300). A variable wins over the file, the file over
//! the default; `0` turns a limit off; anything but a whole number stops the server, naming the
//! variable (as `MASTHEAD_SEARCH_PER_MINUTE`).

use anyhow::Context;
use masthead_web::WebConfig;

/// Sets both limits from `lookup` (the environment; a map in tests) over the file's values.
pub fn apply(
    web: &mut WebConfig,
    file_per_minute: Option<u32>,
    file_key_per_minute: Option<u32>,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let limit = |name: &str, file: Option<u32>, default: u32| -> anyhow::Result<u32> {
        match lookup(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => v.trim().parse().with_context(|| {
                format!(
                    "{name}={v} is not a whole number of requests a minute (0 turns the limit off)"
                )
            }),
            None => Ok(file.unwrap_or(default)),
        }
    };
    web.api_per_minute = limit(
        "MASTHEAD_API_PER_MINUTE",
        file_per_minute,
        web.api_per_minute,
    )?;
    web.api_key_per_minute = limit(
        "MASTHEAD_API_KEY_PER_MINUTE",
        file_key_per_minute,
        web.api_key_per_minute,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn limits(
        vars: &[(&str, &str)],
        file: (Option<u32>, Option<u32>),
    ) -> anyhow::Result<(u32, u32)> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut web = WebConfig::new("/data".into());
        apply(&mut web, file.0, file.1, |name| vars.get(name).cloned())?;
        Ok((web.api_per_minute, web.api_key_per_minute))
    }

    #[test]
    fn the_api_limits_come_from_the_environment_over_the_file_over_the_defaults() {
        assert_eq!(limits(&[], (None, None)).unwrap(), (600, 300));
        assert_eq!(limits(&[], (Some(100), Some(50))).unwrap(), (100, 50));
        assert_eq!(
            limits(
                &[
                    ("MASTHEAD_API_PER_MINUTE", " 1200 "),
                    ("MASTHEAD_API_KEY_PER_MINUTE", "0")
                ],
                (Some(100), Some(50))
            )
            .unwrap(),
            (1200, 0),
            "the variables win; 0 turns a limit off"
        );
        assert_eq!(
            limits(&[("MASTHEAD_API_KEY_PER_MINUTE", "")], (None, Some(50))).unwrap(),
            (600, 50),
            "an empty variable is unset"
        );
        for (var, value) in [
            ("MASTHEAD_API_PER_MINUTE", "lots"),
            ("MASTHEAD_API_PER_MINUTE", "-1"),
            ("MASTHEAD_API_KEY_PER_MINUTE", "2.5"),
            ("MASTHEAD_API_KEY_PER_MINUTE", "99999999999"),
        ] {
            let e = limits(&[(var, value)], (None, None)).unwrap_err();
            assert!(
                format!("{e:#}").contains(&format!("{var}={value} is not a whole number")),
                "{var}={value}: {e:#}"
            );
        }
    }

    #[test]
    fn masthead_toml_names_the_api_limits() {
        let file: super::super::FileConfig =
            toml::from_str("api_per_minute = 30\napi_key_per_minute = 10").unwrap();
        assert_eq!(
            limits(&[], (file.api_per_minute, file.api_key_per_minute)).unwrap(),
            (30, 10)
        );
    }
}

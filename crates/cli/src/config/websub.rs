//! The WebSub hub (`masthead_jobs::websub`): `MASTHEAD_WEBSUB_HUB` (`websub_hub` in
//! masthead.toml), the hub's URL, `http://` or `https://`; empty or unset: off (the default).
//! A variable wins over the file. Anything that is not an absolute http(s) URL with a host
//! stops the server, naming the variable.

use masthead_web::WebConfig;

/// Sets the hub from `lookup` (the environment; a map in tests) over the file's value.
pub fn apply(
    web: &mut WebConfig,
    file_hub: Option<&str>,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let (name, value) = match lookup("MASTHEAD_WEBSUB_HUB") {
        Some(v) => ("MASTHEAD_WEBSUB_HUB", v),
        None => (
            "websub_hub in masthead.toml",
            file_hub.unwrap_or("").to_owned(),
        ),
    };
    let value = value.trim();
    if value.is_empty() {
        web.feeds.websub_hub = None;
        return Ok(());
    }
    let ok = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .is_some_and(|host| !host.is_empty() && !host.contains(['@', ' ', '"', '<', '>']));
    if !ok {
        anyhow::bail!(
            "{name}={value} is not a hub address: give its http:// or https:// URL (empty turns WebSub off)"
        );
    }
    web.feeds.websub_hub = Some(value.to_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(var: Option<&str>, file: Option<&str>) -> anyhow::Result<Option<String>> {
        let mut web = WebConfig::new("/data".into());
        apply(&mut web, file, |_| var.map(str::to_owned))?;
        Ok(web.feeds.websub_hub)
    }

    #[test]
    fn the_hub_is_off_by_default_and_a_bad_address_stops_the_server() {
        assert_eq!(hub(None, None).unwrap(), None);
        assert_eq!(hub(Some(" "), Some("https://file.example/")).unwrap(), None);
        assert_eq!(
            hub(None, Some("https://pubsubhubbub.appspot.com/"))
                .unwrap()
                .as_deref(),
            Some("https://pubsubhubbub.appspot.com/")
        );
        assert_eq!(
            hub(
                Some("http://127.0.0.1:9/hub"),
                Some("https://file.example/")
            )
            .unwrap()
            .as_deref(),
            Some("http://127.0.0.1:9/hub"),
            "the variable wins"
        );
        for bad in [
            "hub.example",
            "ftp://hub.example/",
            "https://",
            "https://a b/",
            "https://u@h/",
        ] {
            let e = hub(Some(bad), None).unwrap_err().to_string();
            assert!(e.contains("MASTHEAD_WEBSUB_HUB"), "{bad}: {e}");
        }
    }
}

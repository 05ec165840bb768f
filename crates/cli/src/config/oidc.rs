//! OpenID providers: `[oidc.<id>]` tables in `masthead.toml`, then `MASTHEAD_OIDC_<ID>_*`
//! variables (a variable wins over the file, setting by setting). A provider exists once its
//! id has an issuer or a client id anywhere; presets fill in the rest
//! (`masthead_web::oidc::config`).

use std::collections::BTreeMap;

use masthead_web::oidc::{OidcProvider, OidcSettings};
use serde::Deserialize;

use super::Secret;

/// `[oidc.<id>]` in `masthead.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileOidc {
    preset: Option<String>,
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    name: Option<String>,
    scopes: Option<String>,
    trusted_domains: Option<String>,
}

const FIELDS: [&str; 7] = [
    "ISSUER",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "NAME",
    "SCOPES",
    "PRESET",
    "TRUSTED_DOMAINS",
];

/// The providers from the file's tables and the variables in `vars` (name, value).
pub fn providers(
    file: Option<&BTreeMap<String, FileOidc>>,
    vars: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<Vec<OidcProvider>> {
    let mut all: BTreeMap<String, OidcSettings> = BTreeMap::new();
    for (id, f) in file.into_iter().flatten() {
        all.insert(
            id.to_ascii_lowercase().replace('_', "-"),
            OidcSettings {
                preset: f.preset.clone(),
                issuer: f.issuer.clone(),
                client_id: f.client_id.clone(),
                client_secret: f.client_secret.as_ref().map(Secret::expose),
                name: f.name.clone(),
                scopes: f.scopes.clone(),
                trusted_domains: f.trusted_domains.clone(),
            },
        );
    }
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("MASTHEAD_OIDC_") else {
            continue;
        };
        let Some(field) = FIELDS
            .iter()
            .find(|f| rest.len() > f.len() + 1 && rest.ends_with(&format!("_{f}")))
        else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let id = rest[..rest.len() - field.len() - 1]
            .to_ascii_lowercase()
            .replace('_', "-");
        let s = all.entry(id).or_default();
        let v = Some(value);
        match *field {
            "ISSUER" => s.issuer = v,
            "CLIENT_ID" => s.client_id = v,
            "CLIENT_SECRET" => s.client_secret = v,
            "NAME" => s.name = v,
            "SCOPES" => s.scopes = v,
            "PRESET" => s.preset = v,
            _ => s.trusted_domains = v,
        }
    }
    all.iter()
        .map(|(id, s)| OidcProvider::from_settings(id, s).map_err(anyhow::Error::msg))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn variables_make_providers_with_presets() {
        let p = providers(
            None,
            vars(&[
                ("MASTHEAD_OIDC_GOOGLE_CLIENT_ID", "g-id"),
                ("MASTHEAD_OIDC_GOOGLE_CLIENT_SECRET", "g-secret"),
                ("MASTHEAD_OIDC_CORP_SSO_ISSUER", "https://sso.example"),
                ("MASTHEAD_OIDC_CORP_SSO_CLIENT_ID", "c-id"),
                ("MASTHEAD_OIDC_CORP_SSO_NAME", "Corp"),
                ("MASTHEAD_PUBLIC_URL", "https://news.example"),
            ]),
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].id, "corp-sso");
        assert_eq!(p[0].name, "Corp");
        assert_eq!(p[1].id, "google");
        assert_eq!(p[1].issuer, "https://accounts.google.com");
        assert_eq!(p[1].client_secret, "g-secret");
    }

    #[test]
    fn variables_win_over_the_file_and_errors_name_the_variable() {
        let file: BTreeMap<String, FileOidc> = toml::from_str(
            "[apple]\nclient_id = \"file-id\"\nclient_secret = \"file-secret\"\nname = \"Apple ID\"\n",
        )
        .unwrap();
        let p = providers(
            Some(&file),
            vars(&[("MASTHEAD_OIDC_APPLE_CLIENT_ID", "env-id")]),
        )
        .unwrap();
        assert_eq!(p[0].client_id, "env-id");
        assert_eq!(p[0].name, "Apple ID");
        assert!(!format!("{file:?}").contains("file-secret"));
        let err = providers(None, vars(&[("MASTHEAD_OIDC_CORP_CLIENT_ID", "x")])).unwrap_err();
        assert!(
            err.to_string().contains("MASTHEAD_OIDC_CORP_ISSUER"),
            "{err}"
        );
    }
}

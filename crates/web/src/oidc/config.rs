//! The configured OpenID providers: one per id, from `MASTHEAD_OIDC_<ID>_*` variables or
//! `[oidc.<id>]` in `masthead.toml` (the CLI reads both, `crates/cli/src/config/oidc.rs`).
//!
//! Presets fill in what a well-known provider needs, chosen by the id (`google`, `microsoft`,
//! `apple`) or by `preset = "..."`; any other id is a generic provider that must name its
//! issuer. What a preset decides:
//! - the issuer (Microsoft: the `common` endpoint is multi-tenant and its tokens name the
//!   tenant's issuer, so a site must name its tenant's issuer, or `consumers`);
//! - the label of the button;
//! - for which email domains the provider's `email_verified` is believed enough to link an
//!   existing account automatically ([`OidcProvider::trusted_for`]).

use std::fmt;

/// Which provider's quirks apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Google,
    /// Microsoft Entra ID (and personal Microsoft accounts).
    Microsoft,
    Apple,
    Generic,
}

impl Preset {
    /// The preset an id or a `preset` setting names.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "google" => Preset::Google,
            "microsoft" | "entra" | "azure" => Preset::Microsoft,
            "apple" => Preset::Apple,
            "generic" => Preset::Generic,
            _ => return None,
        })
    }

    fn default_issuer(self) -> Option<&'static str> {
        match self {
            Preset::Google => Some("https://accounts.google.com"),
            Preset::Apple => Some("https://appleid.apple.com"),
            // Personal Microsoft accounts; a work tenant names its own issuer.
            Preset::Microsoft => {
                Some("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0")
            }
            Preset::Generic => None,
        }
    }

    fn default_name(self) -> Option<&'static str> {
        match self {
            Preset::Google => Some("Google"),
            Preset::Microsoft => Some("Microsoft"),
            Preset::Apple => Some("Apple"),
            Preset::Generic => None,
        }
    }

    /// The domains whose addresses this provider owns: its word that such an address is
    /// verified is the owner's word.
    fn own_domains(self) -> &'static [&'static str] {
        match self {
            Preset::Google => &["gmail.com", "googlemail.com"],
            Preset::Apple => &[
                "icloud.com",
                "me.com",
                "mac.com",
                "privaterelay.appleid.com",
            ],
            // Entra ID: only the verified-domain claim counts (see `trusted_for`).
            Preset::Microsoft | Preset::Generic => &[],
        }
    }
}

/// One configured provider. `Debug` masks the client secret.
#[derive(Clone)]
pub struct OidcProvider {
    /// The id in the URLs (`/sign-in/oidc/<id>`): lowercase ASCII letters, digits, `-`.
    pub id: String,
    /// The button's label: "Continue with NAME".
    pub name: String,
    pub preset: Preset,
    /// The issuer URL; its discovery document is `ISSUER/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes asked for besides `openid` (default `email profile`).
    pub scopes: Vec<String>,
    /// Email domains for which this provider's `email_verified: true` links an existing
    /// account without an email round trip (besides a preset's own domains).
    pub trusted_domains: Vec<String>,
}

impl fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            id,
            name,
            preset,
            issuer,
            client_id,
            client_secret: _,
            scopes,
            trusted_domains,
        } = self;
        f.debug_struct("OidcProvider")
            .field("id", id)
            .field("name", name)
            .field("preset", preset)
            .field("issuer", issuer)
            .field("client_id", client_id)
            .field("client_secret", &"****")
            .field("scopes", scopes)
            .field("trusted_domains", trusted_domains)
            .finish()
    }
}

/// A provider's settings as written (every field optional), before presets fill them in.
#[derive(Debug, Clone, Default)]
pub struct OidcSettings {
    pub preset: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub name: Option<String>,
    /// Space- or comma-separated.
    pub scopes: Option<String>,
    /// Space- or comma-separated.
    pub trusted_domains: Option<String>,
}

fn list(s: &str) -> Vec<String> {
    s.split([' ', ',', '\t'])
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl OidcProvider {
    /// A provider from its id and settings; the error names what is missing or wrong.
    pub fn from_settings(id: &str, s: &OidcSettings) -> Result<Self, String> {
        let id = id.to_ascii_lowercase().replace('_', "-");
        let valid_id = !id.is_empty()
            && id.len() <= 32
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_id {
            return Err(format!(
                "OpenID provider id {id:?}: use up to 32 letters, digits or -"
            ));
        }
        let preset = match &s.preset {
            Some(p) => Preset::parse(p).ok_or_else(|| {
                format!("OpenID provider {id}: unknown preset {p:?} (google, microsoft, apple or generic)")
            })?,
            None => Preset::parse(&id).unwrap_or(Preset::Generic),
        };
        let issuer = s
            .issuer
            .clone()
            .or_else(|| preset.default_issuer().map(str::to_owned))
            .ok_or_else(|| {
                format!(
                    "OpenID provider {id}: the issuer is missing (MASTHEAD_OIDC_{}_ISSUER)",
                    env_id(&id)
                )
            })?;
        let issuer = issuer.trim().to_owned();
        let parsed = url::Url::parse(&issuer).map_err(|e| {
            format!("OpenID provider {id}: the issuer {issuer:?} is not a URL: {e}")
        })?;
        // Plain HTTP only on loopback (a provider on this machine, as in the tests).
        let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        let scheme_ok = parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback);
        if !scheme_ok || parsed.host().is_none() {
            return Err(format!(
                "OpenID provider {id}: the issuer {issuer:?} must be an https:// URL"
            ));
        }
        let client_id = s
            .client_id
            .clone()
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                format!(
                    "OpenID provider {id}: the client id is missing (MASTHEAD_OIDC_{}_CLIENT_ID)",
                    env_id(&id)
                )
            })?;
        let client_secret = s.client_secret.clone().unwrap_or_default();
        let name = s
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| preset.default_name().map(str::to_owned))
            .unwrap_or_else(|| id.clone());
        let mut scopes = s
            .scopes
            .as_deref()
            .map(list)
            .unwrap_or_else(|| vec!["email".into(), "profile".into()]);
        scopes.retain(|sc| sc != "openid");
        let mut trusted_domains: Vec<String> = preset
            .own_domains()
            .iter()
            .map(|d| (*d).to_owned())
            .collect();
        if let Some(more) = &s.trusted_domains {
            trusted_domains.extend(list(more).into_iter().map(|d| d.to_ascii_lowercase()));
        }
        Ok(Self {
            id,
            name,
            preset,
            issuer,
            client_id,
            client_secret,
            scopes,
            trusted_domains,
        })
    }

    /// Whether this provider's word is enough to link an existing account with `email`
    /// automatically. The claims must say `email_verified` as the boolean true (checked by the
    /// caller), and the provider must be trusted for the address's domain: a preset's own
    /// domains or `trusted_domains`; Entra ID only with its verified-domain claim
    /// (`xms_edov: true`), Google also for a Workspace domain it names in `hd`.
    pub fn trusted_for(&self, email_domain: &str, claims: &serde_json::Value) -> bool {
        let domain = email_domain.to_ascii_lowercase();
        match self.preset {
            Preset::Microsoft => {
                claims.get("xms_edov") == Some(&serde_json::Value::Bool(true))
                    && self.trusted_domains.contains(&domain)
            }
            Preset::Google
                if claims
                    .get("hd")
                    .and_then(|h| h.as_str())
                    .is_some_and(|hd| hd.eq_ignore_ascii_case(&domain)) =>
            {
                true
            }
            _ => self.trusted_domains.contains(&domain),
        }
    }
}

/// The id as it appears in variable names: `my-idp` → `MY_IDP`.
pub fn env_id(id: &str) -> String {
    id.to_ascii_uppercase().replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(issuer: Option<&str>) -> OidcSettings {
        OidcSettings {
            issuer: issuer.map(str::to_owned),
            client_id: Some("masthead".into()),
            client_secret: Some("hunter2-client-secret".into()),
            ..Default::default()
        }
    }

    #[test]
    fn presets_fill_in_issuer_and_name() {
        let g = OidcProvider::from_settings("google", &settings(None)).unwrap();
        assert_eq!(g.issuer, "https://accounts.google.com");
        assert_eq!(g.name, "Google");
        assert_eq!(g.preset, Preset::Google);
        assert_eq!(g.scopes, ["email", "profile"]);
        let a = OidcProvider::from_settings("apple", &settings(None)).unwrap();
        assert_eq!(a.issuer, "https://appleid.apple.com");
        let m = OidcProvider::from_settings("microsoft", &settings(None)).unwrap();
        assert!(m.issuer.starts_with("https://login.microsoftonline.com/"));
    }

    #[test]
    fn a_generic_provider_needs_an_issuer_and_a_client_id() {
        let err = OidcProvider::from_settings("corp", &settings(None)).unwrap_err();
        assert!(err.contains("MASTHEAD_OIDC_CORP_ISSUER"), "{err}");
        let mut s = settings(Some("https://id.example"));
        s.client_id = None;
        let err = OidcProvider::from_settings("corp", &s).unwrap_err();
        assert!(err.contains("client id"), "{err}");
        let err = OidcProvider::from_settings("corp", &settings(Some("ftp://x"))).unwrap_err();
        assert!(err.contains("https://"), "{err}");
        let err =
            OidcProvider::from_settings("corp", &settings(Some("http://id.example"))).unwrap_err();
        assert!(err.contains("https://"), "{err}");
        let err =
            OidcProvider::from_settings("no/slash", &settings(Some("https://x"))).unwrap_err();
        assert!(err.contains("letters"), "{err}");
        let err = OidcProvider::from_settings(
            "corp",
            &OidcSettings {
                preset: Some("okta".into()),
                ..settings(Some("https://id.example"))
            },
        )
        .unwrap_err();
        assert!(err.contains("unknown preset"), "{err}");
    }

    #[test]
    fn names_scopes_and_ids_as_written() {
        let mut s = settings(Some("https://id.example/realms/news"));
        s.name = Some("Newsroom SSO".into());
        s.scopes = Some("openid email, groups".into());
        let p = OidcProvider::from_settings("Corp_SSO", &s).unwrap();
        assert_eq!(p.id, "corp-sso");
        assert_eq!(p.name, "Newsroom SSO");
        assert_eq!(
            p.scopes,
            ["email", "groups"],
            "openid is always asked for, once"
        );
        assert_eq!(env_id(&p.id), "CORP_SSO");
    }

    #[test]
    fn debug_masks_the_client_secret() {
        let p = OidcProvider::from_settings("google", &settings(None)).unwrap();
        let shown = format!("{p:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("****"), "{shown}");
    }

    #[test]
    fn trust_for_linking_follows_the_preset() {
        let none = serde_json::json!({});
        let g = OidcProvider::from_settings("google", &settings(None)).unwrap();
        assert!(g.trusted_for("gmail.com", &none));
        assert!(!g.trusted_for("example.org", &none));
        assert!(g.trusted_for("example.org", &serde_json::json!({"hd": "example.org"})));
        let mut s = settings(None);
        s.trusted_domains = Some("contoso.com".into());
        let m = OidcProvider::from_settings("microsoft", &s).unwrap();
        assert!(
            !m.trusted_for("contoso.com", &none),
            "Entra ID needs xms_edov"
        );
        assert!(!m.trusted_for("contoso.com", &serde_json::json!({"xms_edov": "true"})));
        assert!(m.trusted_for("contoso.com", &serde_json::json!({"xms_edov": true})));
        assert!(!m.trusted_for("gmail.com", &serde_json::json!({"xms_edov": true})));
        let generic =
            OidcProvider::from_settings("corp", &settings(Some("https://id.example"))).unwrap();
        assert!(
            !generic.trusted_for("gmail.com", &none),
            "a generic provider is trusted for nothing by default"
        );
    }
}

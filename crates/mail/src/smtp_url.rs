//! `MASTHEAD_SMTP_URL`: parsed here, by hand, so that every mistake gets its own message and the
//! password never appears in one.
//!
//! ```text
//! smtp://user:pass@host:587      STARTTLS required (the default with credentials; port 587)
//! smtp://host:25                 no credentials: STARTTLS when the server offers it (port 25)
//! smtp://127.0.0.1:2525?tls=none plain SMTP, for a local relay or a test server
//! smtps://user:pass@host         implicit TLS (port 465)
//! ```
//!
//! `tls=` takes `none`, `opportunistic` or `starttls` (on `smtp://` only). User name and password
//! are percent-decoded; since the host follows the last `@`, an unencoded `@` in a password works
//! too, but `/`, `?` and `#` in a password must be written `%2F`, `%3F`, `%23`.

use std::net::Ipv6Addr;

use crate::MailError;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TlsMode {
    /// Plain SMTP (`?tls=none`).
    None,
    /// STARTTLS when the server offers it, plain otherwise.
    Opportunistic,
    /// STARTTLS or fail before anything is sent.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

impl TlsMode {
    fn describe(self) -> &'static str {
        match self {
            TlsMode::None => "no TLS",
            TlsMode::Opportunistic => "STARTTLS if offered",
            TlsMode::StartTls => "STARTTLS",
            TlsMode::Implicit => "implicit TLS",
        }
    }
}

/// A parsed SMTP URL. The password is only reachable through [`SmtpSettings::password`], and
/// `Debug` masks it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SmtpSettings {
    pub scheme: &'static str,
    /// Without brackets for IPv6, as the resolver and TLS want it.
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

pub(crate) const SUBMISSION_PORT: u16 = 587;
pub(crate) const SUBMISSIONS_PORT: u16 = 465;
pub(crate) const RELAY_PORT: u16 = 25;

impl SmtpSettings {
    pub fn parse(url: &str) -> Result<Self, MailError> {
        let fail = |problem: &str| MailError::InvalidSmtpUrl {
            url: mask_password(url),
            problem: problem.to_owned(),
        };
        let url = url.trim();
        if url.is_empty() {
            return Err(fail("the URL is empty"));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(fail("expected smtp://… or smtps://…"));
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => "smtp",
            "smtps" => "smtps",
            other => {
                return Err(fail(&format!(
                    "unsupported scheme {other:?}: use smtp:// (STARTTLS or plain) or smtps:// (implicit TLS)"
                )));
            }
        };

        // The host follows the last `@`, so that an unencoded `@` in a password still works.
        let (userinfo, rest) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (rest, fragment) = match rest.split_once('#') {
            Some((rest, fragment)) => (rest, Some(fragment)),
            None => (rest, None),
        };
        if fragment.is_some() {
            return Err(fail(
                "a URL fragment (#…) has no meaning here; write # in a password as %23",
            ));
        }
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, ""),
        };
        if !path.is_empty() && path != "/" {
            return Err(fail(&format!(
                "unexpected path {path:?}: the URL ends after host:port (write / in a password as %2F)"
            )));
        }

        let credentials = match userinfo {
            None => None,
            Some(userinfo) => {
                let Some((user, password)) = userinfo.split_once(':') else {
                    return Err(fail(
                        "a user name needs a password (smtp://user:password@host)",
                    ));
                };
                let user =
                    percent_decode(user).map_err(|why| fail(&format!("user name: {why}")))?;
                let password =
                    percent_decode(password).map_err(|why| fail(&format!("password: {why}")))?;
                if user.is_empty() {
                    return Err(fail("the user name before the password is empty"));
                }
                if password.is_empty() {
                    return Err(fail("the password is empty"));
                }
                Some((user, password))
            }
        };

        let (host, port) = split_host_port(authority).map_err(|why| fail(&why))?;

        let mut tls_param = None;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "tls" => {
                    let mode = match value.to_ascii_lowercase().as_str() {
                        "none" => TlsMode::None,
                        "opportunistic" => TlsMode::Opportunistic,
                        "starttls" | "required" => TlsMode::StartTls,
                        _ => {
                            return Err(fail(&format!(
                                "tls={value:?} is not one of none, opportunistic, starttls"
                            )));
                        }
                    };
                    if tls_param.replace(mode).is_some() {
                        return Err(fail("tls= is given twice"));
                    }
                }
                _ => {
                    return Err(fail(&format!(
                        "unknown parameter {key:?} (the only one is tls=none|opportunistic|starttls)"
                    )));
                }
            }
        }

        let tls = match (scheme, tls_param) {
            ("smtps", None) => TlsMode::Implicit,
            ("smtps", Some(_)) => {
                return Err(fail(
                    "smtps:// always uses implicit TLS; tls= applies to smtp:// only",
                ));
            }
            (_, Some(TlsMode::Opportunistic)) if credentials.is_some() => {
                return Err(fail(
                    "with a password, STARTTLS is required (the default), or say tls=none to send it in the clear on purpose",
                ));
            }
            (_, Some(mode)) => mode,
            (_, None) if credentials.is_some() => TlsMode::StartTls,
            (_, None) => TlsMode::Opportunistic,
        };
        let port = port.unwrap_or(match tls {
            TlsMode::Implicit => SUBMISSIONS_PORT,
            TlsMode::StartTls => SUBMISSION_PORT,
            TlsMode::None | TlsMode::Opportunistic => RELAY_PORT,
        });

        Ok(Self {
            scheme,
            host,
            port,
            tls,
            credentials,
        })
    }

    /// `smtp://user:****@host:587 (STARTTLS)`: what a log line may show.
    pub fn describe(&self) -> String {
        let user = match &self.credentials {
            Some((user, _)) => format!("{user}:****@"),
            None => String::new(),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!(
            "{}://{user}{host}:{} ({})",
            self.scheme,
            self.port,
            self.tls.describe()
        )
    }
}

fn split_host_port(authority: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((ip, after)) = bracketed.split_once(']') else {
            return Err("an IPv6 address needs its closing ]".to_owned());
        };
        if ip.parse::<Ipv6Addr>().is_err() {
            return Err(format!("[{ip}] is not an IPv6 address"));
        }
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return Err(format!("unexpected {after:?} after the IPv6 address")),
            },
        };
        (ip.to_owned(), port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    if host.is_empty() {
        return Err("the host is missing".to_owned());
    }
    let host_ok = host.contains(':') // IPv6, checked above
        || host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
    if !host_ok {
        return Err(format!("{host:?} is not a host name or IP address"));
    }
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => return Err(format!("port {port:?} is not a number from 1 to 65535")),
        },
    };
    Ok((host, port))
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => out.push(byte),
                None => {
                    return Err(
                        "a % must be followed by two hex digits (write % itself as %25)".to_owned(),
                    );
                }
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-encoding does not decode to UTF-8".to_owned())
}

/// The URL with whatever stands between the first `:` of the user part and the last `@` replaced
/// by `****`, however malformed the rest is.
pub(crate) fn mask_password(url: &str) -> String {
    let (prefix, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let user = match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:****"),
                None => userinfo.to_owned(),
            };
            format!("{prefix}{user}{}", &rest[at..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;

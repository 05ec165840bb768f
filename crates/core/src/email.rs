//! Email addresses, parsed once at the edge and never passed around as bare strings.
//!
//! The rules are those an SMTP server applies (RFC 5321 lengths, a dot-atom local part), not the
//! full RFC 5322 grammar: quoted local parts and IP-literal domains are refused because no
//! reader has one and mail systems handle them badly. The domain is lowercased (it is case
//! insensitive); the local part keeps its case, since some servers honour it. Internationalized
//! domains (`müller.example`) are accepted in Unicode form.

use std::fmt;

use crate::ParseError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

/// The hint shown with every rejection, as newspapers phrase it.
pub const EMAIL_HINT: &str = "Please use the following structure: example@domain.com";

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        let fail = |why: &str| Err(ParseError::new(format!("{why}. {EMAIL_HINT}")));
        if s.is_empty() {
            return fail("Please enter your email address");
        }
        if s.len() > 254 {
            return fail("That email address is too long");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return fail("An email address needs an @ between the name and the domain");
        };
        if local.is_empty() || local.len() > 64 {
            return fail("The part before the @ is missing or too long");
        }
        let local_ok = local.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || "!#$%&'*+/=?^_`{|}~.-".contains(c)
                || (!c.is_ascii() && c.is_alphanumeric())
        }) && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if !local_ok {
            return fail("The part before the @ contains a character an email address cannot have");
        }
        let domain = domain.to_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return fail("The domain after the @ needs a dot, as in domain.com");
        }
        for label in &labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-');
            if !ok {
                return fail("The domain after the @ is not valid");
            }
        }
        let tld = labels[labels.len() - 1];
        if tld.chars().all(|c| c.is_ascii_digit()) {
            return fail("The domain after the @ is not valid");
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used to find an account: the whole address lowercased, so that
    /// `Ana@Example.com` and `ana@example.com` are one reader.
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "ana@example.com",
            " Ana.Ribeiro+news@Example.COM ",
            "o'neill@port-aldine.example",
            "jürgen@müller.example",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok} should be accepted");
        }
        assert_eq!(
            EmailAddress::parse(" Ana@Example.COM ").unwrap().as_str(),
            "Ana@example.com"
        );
        assert_eq!(
            EmailAddress::parse("Ana@Example.COM").unwrap().canonical(),
            "ana@example.com"
        );
    }

    #[test]
    fn rejects_with_the_structure_hint() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "ana@exa mple.com",
            "a..b@example.com",
            ".a@example.com",
            "ana@-example.com",
            "ana@example.123",
            "ana@example..com",
            "<script>@example.com",
        ] {
            let err = EmailAddress::parse(bad).unwrap_err();
            assert!(err.0.ends_with(EMAIL_HINT), "{bad:?}: {err}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(EmailAddress::parse(&long).is_err());
    }
}

//! Email addresses: no panic; an accepted address parses again to itself, and the domain of
//! its SMTP form is ASCII (the local part may hold any script's letters: SMTPUTF8).
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead_core::EmailAddress;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(address) = EmailAddress::parse(text) else {
        return;
    };
    let shown = address.to_string();
    let again = EmailAddress::parse(&shown).expect("an accepted address parses again");
    assert_eq!(again, address);
    let smtp = address.smtp_form();
    let (_, domain) = smtp.rsplit_once('@').expect("an address has an @");
    assert!(domain.is_ascii(), "{smtp}");
});

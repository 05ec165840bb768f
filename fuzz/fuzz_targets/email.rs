//! Email addresses: no panic; an accepted address parses again to itself, and its SMTP form
//! is ASCII.
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
    assert!(address.smtp_form().is_ascii(), "{}", address.smtp_form());
});

//! What `masthead staff list`, `staff deactivate` and `staff reset-passkeys` do and print.

use std::process::ExitCode;

use masthead_core::EmailAddress;
use masthead_store::staff::{StaffMember, StaffUpdate};

/// One line per member: address, role, active or not, last sign-in (UTC).
pub fn print_list(staff: &[StaffMember]) {
    if staff.is_empty() {
        println!("No staff yet: add one with `masthead staff add EMAIL --role admin`.");
        return;
    }
    for m in staff {
        let state = if m.is_active() {
            "active"
        } else {
            "deactivated"
        };
        let seen = m
            .last_sign_in_at
            .map(|t| {
                masthead_store::from_ms(t)
                    .strftime("%Y-%m-%d %H:%M UTC")
                    .to_string()
            })
            .unwrap_or_else(|| "never signed in".into());
        println!("{}\t{}\t{state}\t{seen}", m.email, m.role);
    }
}

pub fn report_deactivation(
    email: &EmailAddress,
    outcome: &StaffUpdate,
) -> anyhow::Result<ExitCode> {
    match outcome {
        StaffUpdate::Done(_) => {
            println!("Deactivated {email}: their newsroom sessions have ended.");
            Ok(ExitCode::SUCCESS)
        }
        StaffUpdate::Unchanged(_) => {
            println!("{email} was already deactivated; nothing changed.");
            Ok(ExitCode::SUCCESS)
        }
        StaffUpdate::NotFound => anyhow::bail!("{email} is not staff (see `masthead staff list`)"),
        StaffUpdate::LastAdmin => anyhow::bail!(
            "{email} is the last active admin; make another admin first (`masthead staff add OTHER --role admin`)"
        ),
        StaffUpdate::OwnAccount => anyhow::bail!("{email} cannot deactivate their own account"),
    }
}

/// `staff reset-passkeys EMAIL`: removes the member's passkeys, audited as the command line.
pub async fn reset_passkeys(
    store: &masthead_store::Store,
    email: &EmailAddress,
) -> anyhow::Result<ExitCode> {
    let Some(member) = store.staff_by_email(email).await? else {
        eprintln!("{email} is not on the staff: `masthead staff list` shows who is.");
        return Ok(ExitCode::FAILURE);
    };
    let removed = store
        .reset_passkeys(&masthead_store::audit::Actor::cli(), &member.id)
        .await?
        .unwrap_or(0);
    println!(
        "Removed {removed} passkey(s) of {email}: they sign in with an emailed link now, and register a new passkey from their newsroom profile."
    );
    Ok(ExitCode::SUCCESS)
}

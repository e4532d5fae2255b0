//! `tokendesk store show` and `tokendesk store migrate --to TIER`: which storage tier this
//! machine uses for secrets, and moving every profile's secrets to another one.

use clap::{Args, Subcommand};

use super::context::{self, ChoiceSource};
use super::stdout;
use super::{Exit, Outcome};
use crate::store::StoreTier;
use crate::store::migrate::migrate;
use crate::store::tiers;

/// Arguments of `tokendesk store`.
#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

/// What to do with the storage tiers.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Say which storage tier this command would use, where it keeps secrets and why.
    Show,
    /// Move every profile's secrets to another tier (keyring, kernel or encrypted-file), then
    /// use that tier on this machine (`store` in settings.toml). Secrets are deleted from the
    /// old tier only after every one of them was read back from the new one.
    Migrate {
        /// The tier to move to.
        #[arg(long, value_name = "TIER", value_parser = parse_tier)]
        to: StoreTier,
    },
}

fn parse_tier(text: &str) -> Result<StoreTier, String> {
    text.parse()
        .map_err(|err: tiers::UnknownTier| err.to_string())
}

/// Runs `tokendesk store …`.
pub async fn run(args: StoreArgs) -> Outcome {
    match args.command {
        StoreCommand::Show => show().await,
        StoreCommand::Migrate { to } => migrate_to(to).await,
    }
}

async fn show() -> Outcome {
    let paths = match context::paths() {
        Ok(paths) => paths,
        Err(outcome) => return outcome,
    };
    let chosen = match context::chosen_tier(&paths) {
        Ok(chosen) => chosen,
        Err(outcome) => return outcome,
    };
    let (_, tier) = match context::open_secrets(&paths, chosen.map(|(tier, _)| tier)).await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let why = match chosen {
        Some((_, source)) => format!("chosen by {}", source.words()),
        None if tier == StoreTier::Keyring => "the default".to_owned(),
        None => "no keyring answered".to_owned(),
    };
    let mut text = format!("Secrets are kept in {} ({tier}; {why}).\n", tier.place());
    if tier == StoreTier::EncryptedFile {
        text.push_str(&format!(
            "The file: {}\n",
            tiers::encrypted_file(&paths).display()
        ));
    }
    stdout::print(&text);
    Outcome::ok()
}

async fn migrate_to(to: StoreTier) -> Outcome {
    if to == StoreTier::Memory {
        return Outcome::fail(
            Exit::Usage,
            "The memory tier keeps secrets only inside one running process, so the command \
             line cannot move them there. Choose keyring, kernel or encrypted-file.",
        );
    }
    let paths = match context::paths() {
        Ok(paths) => paths,
        Err(outcome) => return outcome,
    };
    let profiles = match context::profiles(&paths) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    let ids: Vec<_> = profiles.list().iter().map(|p| p.id().clone()).collect();
    let chosen = match context::chosen_tier(&paths) {
        Ok(chosen) => chosen,
        Err(outcome) => return outcome,
    };
    let (from, from_tier) = match context::open_secrets(&paths, chosen.map(|(tier, _)| tier)).await
    {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    if from_tier == to {
        return Outcome::fail(
            Exit::Usage,
            format!(
                "The secrets are in {} already, so there is nothing to move. `--store TIER` \
                 names the tier to move from.",
                to.place()
            ),
        );
    }
    let (into, _) = match context::open_secrets(&paths, Some(to)).await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let (old, new) = (from.store().clone(), into.store().clone());
    let moved =
        tokio::task::spawn_blocking(move || migrate(old.as_ref(), new.as_ref(), &ids)).await;
    let report = match moved {
        Ok(Ok(report)) => report,
        Ok(Err(err)) => {
            return Outcome::fail(
                Exit::Failure,
                format!(
                    "Moving the secrets from {} to {} stopped: {err}. Nothing was deleted; \
                     TokenDesk still uses {from_tier}.",
                    from_tier.place(),
                    to.place()
                ),
            );
        }
        Err(err) => {
            return Outcome::fail(Exit::Failure, format!("moving the secrets stopped: {err}"));
        }
    };
    let mut text = format!(
        "Moved {} secret{} of {} profile{} from {} to {}.\n",
        report.secrets,
        if report.secrets == 1 { "" } else { "s" },
        report.profiles,
        if report.profiles == 1 { "" } else { "s" },
        from_tier.place(),
        to.place()
    );
    if !report.left_behind.is_empty() {
        text.push_str(&format!(
            "Warning: {} could not be deleted from {} (they are in both now): {}.\n",
            report.left_behind.len(),
            from_tier.place(),
            report.left_behind.join(", ")
        ));
    }
    stdout::print(&text);
    if let Err(err) = tiers::save_machine_choice(&paths, Some(to)) {
        return Outcome::fail(
            Exit::Failure,
            format!(
                "The secrets were moved, but {err}. Until `store = \"{to}\"` is in the settings \
                 file, run commands with `--store {to}`."
            ),
        );
    }
    let mut after = format!(
        "TokenDesk uses {to} on this machine from now on (store = \"{to}\" in settings.toml).\n"
    );
    if let Some((tier, source)) = chosen
        && source != ChoiceSource::Settings
        && tier != to
    {
        after.push_str(&format!(
            "Note: {} names {tier} for this command and comes before the settings file; change it to {to}.\n",
            source.words()
        ));
    }
    stdout::print(&after);
    Outcome::ok()
}

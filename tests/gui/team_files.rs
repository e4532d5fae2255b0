//! *Export…* and *Import…* of team profile files in the window, against the demo portal.

use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use tokendesk::store::ProfileStore;

use crate::first_run::FirstRun;

impl FirstRun {
    /// Steps until a widget whose label contains `text` shows.
    fn wait_for_text(&mut self, text: &str) {
        let text = text.to_owned();
        self.wait(&format!("`{text}` on screen"), move |h| {
            h.query_by_label_contains(&text).is_some()
        });
    }
}

#[test]
fn a_profile_exported_in_the_window_is_imported_in_the_window_as_a_new_profile_with_its_ca() {
    let mut gui = FirstRun::with_profiles(true);
    let profile = gui.rig.profile.clone();
    let name = profile.name().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let exported = dir.path().join("team.toml");

    gui.app.get_by_label("Export…").click();
    gui.app.run();
    // Nothing ticked, nothing to export.
    gui.app.get_by_role_and_label(Role::CheckBox, &name).click();
    gui.app.run();
    assert!(
        gui.app
            .get_by_label("Export")
            .accesskit_node()
            .is_disabled()
    );
    gui.app.get_by_role_and_label(Role::CheckBox, &name).click();
    gui.app.run();
    gui.type_into("Save as (file path)", exported.to_str().unwrap());
    gui.app.get_by_label("Export").click();
    gui.wait_for_text("Exported 1 profile to");
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains("-----BEGIN CERTIFICATE-----"), "{text}");
    gui.app.get_by_label("Close").click();
    gui.app.run();

    // The same file again clashes: the window says so and imports nothing until asked to
    // replace.
    let before = std::fs::read(gui.rig.paths.profiles_file()).unwrap();
    gui.app.get_by_label("Import…").click();
    gui.app.run();
    gui.type_into("Profile file (file path)", exported.to_str().unwrap());
    gui.app.get_by_label("Show what it adds").click();
    gui.wait_for_text("This file adds:");
    gui.app
        .get_by_label_contains(&format!("You have a profile called {name}"));
    assert!(
        gui.app
            .get_by_label("Import")
            .accesskit_node()
            .is_disabled()
    );
    assert_eq!(
        std::fs::read(gui.rig.paths.profiles_file()).unwrap(),
        before
    );
    gui.app.get_by_label("Close").click();
    gui.app.run();

    // Renamed, it adds a second profile trusting the same CA, which becomes the selection.
    let renamed = dir.path().join("renamed.toml");
    let name_line = format!("name = \"{name}\"");
    std::fs::write(&renamed, text.replace(&name_line, "name = \"team-copy\"")).unwrap();
    gui.app.get_by_label("Import…").click();
    gui.app.run();
    gui.type_into("Profile file (file path)", renamed.to_str().unwrap());
    gui.app.get_by_label("Show what it adds").click();
    gui.wait_for_text("team-copy — ");
    gui.app.get_by_label("Import").click();
    gui.wait("the imported profile, selected", |h| {
        let app = h.state();
        app.selected()
            .and_then(|id| app.view().profile(id))
            .is_some_and(|p| p.profile.name() == "team-copy")
    });
    let (store, _) = ProfileStore::open(&gui.rig.paths).unwrap();
    let copy = store.get("team-copy").unwrap().clone();
    let ca = copy.ca_file().unwrap();
    assert!(ca.starts_with(gui.rig.paths.data_dir()), "{}", ca.display());
    assert_eq!(copy.url(), profile.url());
    assert_eq!(copy.client_id(), profile.client_id());
    // And it signs in against the portal with the imported CA.
    gui.press("Sign in");
    gui.wait_signed_in(&copy);
}

#[test]
fn a_hostile_team_file_in_the_window_says_why_and_changes_nothing() {
    let mut gui = FirstRun::with_profiles(true);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.toml");
    std::fs::write(
        &file,
        "format = \"tokendesk-team-profiles\"\nversion = 1\n[[profile]]\nname = \"x\"\n\
         kind = \"enterprise_portal\"\nurl = \"http://gis.example.com/portal\"\n\
         method = \"browser_pkce\"\nclient_id = \"abc\"\n",
    )
    .unwrap();
    let before = std::fs::read(gui.rig.paths.profiles_file()).unwrap();
    gui.app.get_by_label("Import…").click();
    gui.app.run();
    gui.type_into("Profile file (file path)", file.to_str().unwrap());
    gui.app.get_by_label("Show what it adds").click();
    gui.wait_for_text("is not an https:// address");
    gui.app.get_by_label_contains("Nothing was imported");
    assert!(gui.app.query_by_label("Import").is_none());
    assert_eq!(
        std::fs::read(gui.rig.paths.profiles_file()).unwrap(),
        before
    );
    let unnamed = gui.app.unnamed_widgets();
    assert!(unnamed.is_empty(), "{unnamed:#?}");
}

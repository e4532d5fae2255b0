//! A private D-Bus session bus with no services on it: a session where no keyring answers.

/// A private session bus with no services on it (no Secret Service); killed on drop.
pub struct EmptyBus {
    /// The bus's address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
    _daemon: tokio::process::Child,
}

pub async fn empty_bus(dir: &std::path::Path) -> EmptyBus {
    let config = dir.join("bus.conf");
    let socket = dir.join("bus");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            socket.display()
        ),
    )
    .unwrap();
    let mut daemon = tokio::process::Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("dbus-daemon runs (Debian package dbus)");
    let stdout = daemon.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let address = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
        .await
        .expect("dbus-daemon prints its address")
        .unwrap()
        .expect("an address line");
    EmptyBus {
        address,
        _daemon: daemon,
    }
}

//! What a desktop panel is to TokenDesk, played by a test: Debian's `status-notifier-watcher`
//! on a bus (the test session's or one of the test's own) with the test registered as the
//! status-notifier host, so that TokenDesk's tray icon shows; and the real window as `xdotool`
//! sees it on the test session's Xvfb.

use std::io::BufRead;
use std::time::{Duration, Instant};

/// A process killed when dropped.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    /// Asks the process to end (SIGTERM: an Xvfb then removes its lock file and socket
    /// in /tmp, which SIGKILL leaves behind), and kills it after two seconds.
    fn drop(&mut self) {
        let pid = rustix::process::Pid::from_child(&self.0);
        let asked = rustix::process::kill_process(pid, rustix::process::Signal::TERM).is_ok();
        if asked {
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            while std::time::Instant::now() < deadline {
                if matches!(self.0.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Bound on waiting for the watcher.
const BOUND: Duration = Duration::from_secs(30);

/// A status-notifier watcher with the test as the panel (host).
pub struct Panel {
    /// The bus, for `DBUS_SESSION_BUS_ADDRESS` (`None`: the test session's own).
    pub address: Option<String>,
    /// The test's connection to it.
    pub bus: zbus::Connection,
    _watcher: Killed,
    _daemon: Option<Killed>,
}

impl Panel {
    /// On a bus of its own (a private `dbus-daemon`).
    pub async fn on_private_bus() -> Self {
        let mut daemon = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dbus-daemon");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        let daemon = Killed(daemon);
        let bus = zbus::connection::Builder::address(address.as_str())
            .unwrap()
            .build()
            .await
            .unwrap();
        Self::start(bus, Some(address), Some(daemon)).await
    }

    /// On the test session's bus.
    pub async fn on_session_bus() -> Self {
        let bus = zbus::Connection::session().await.unwrap();
        Self::start(bus, None, None).await
    }

    async fn start(bus: zbus::Connection, address: Option<String>, daemon: Option<Killed>) -> Self {
        let mut watcher = std::process::Command::new("status-notifier-watcher");
        if let Some(address) = &address {
            watcher.env("DBUS_SESSION_BUS_ADDRESS", address);
        }
        let watcher = Killed(
            watcher
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("status-notifier-watcher (Debian: haskell-status-notifier-item-utils)"),
        );
        let panel = Self {
            address,
            bus,
            _watcher: watcher,
            _daemon: daemon,
        };
        let started = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        while panel.items().await.is_err() {
            assert!(started.elapsed() < BOUND, "the watcher never came up");
            tick.tick().await;
        }
        // Registered as the host, as a panel registers itself: without a host, items are
        // not shown and TokenDesk says so.
        let name = format!("org.kde.StatusNotifierHost-{}", std::process::id());
        panel.bus.request_name(name.as_str()).await.unwrap();
        let _: () = panel
            .watcher()
            .await
            .call("RegisterStatusNotifierHost", &(name.as_str(),))
            .await
            .unwrap();
        panel
    }

    async fn watcher(&self) -> zbus::Proxy<'_> {
        zbus::Proxy::new(
            &self.bus,
            "org.kde.StatusNotifierWatcher",
            "/StatusNotifierWatcher",
            "org.kde.StatusNotifierWatcher",
        )
        .await
        .unwrap()
    }

    /// The registered items (`BUS-NAME/PATH` or a bus name alone).
    pub async fn items(&self) -> zbus::Result<Vec<String>> {
        let proxy = zbus::Proxy::new(
            &self.bus,
            "org.kde.StatusNotifierWatcher",
            "/StatusNotifierWatcher",
            "org.kde.StatusNotifierWatcher",
        )
        .await?;
        proxy
            .get_property::<Vec<String>>("RegisteredStatusNotifierItems")
            .await
    }

    /// The first registered item as (service, path).
    pub async fn first_item(&self) -> Option<(String, String)> {
        let item = self.items().await.ok()?.into_iter().next()?;
        Some(match item.find('/') {
            Some(at) => (item[..at].to_owned(), item[at..].to_owned()),
            None => (item, "/StatusNotifierItem".to_owned()),
        })
    }

    /// The item's `org.kde.StatusNotifierItem` interface.
    pub async fn item(&self, (service, path): &(String, String)) -> zbus::Proxy<'_> {
        zbus::Proxy::new(
            &self.bus,
            service.clone(),
            path.clone(),
            "org.kde.StatusNotifierItem",
        )
        .await
        .unwrap()
    }

    /// A click on the item (its `Activate`).
    pub async fn click(&self, item: &(String, String)) {
        let _: () = self
            .item(item)
            .await
            .call("Activate", &(0_i32, 0_i32))
            .await
            .unwrap();
    }
}

/// The visible windows of process `pid` on `display` (`xdotool search`; other tests' windows
/// may share the display).
pub fn visible_windows(display: &str, pid: u32) -> Vec<String> {
    let out = std::process::Command::new("xdotool")
        .args(["search", "--onlyvisible", "--pid", &pid.to_string()])
        .env("DISPLAY", display)
        .output()
        .expect("xdotool");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

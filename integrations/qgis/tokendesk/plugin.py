"""The TokenDesk plugin for QGIS: the menu and toolbar button, one QGIS authentication
configuration per shared profile kept current, and ArcGIS layers added with it.

Qt glue only; the decisions are in `core` (pure functions)."""

import json
import os
import time

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsAuthMethodConfig,
    QgsNetworkAccessManager,
    QgsProject,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, QTimer, QUrl
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtNetwork import QNetworkRequest
from qgis.PyQt.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
)

from . import core
from .runner import Runner

SETTINGS = "tokendesk/"
TITLE = "TokenDesk"


def now_ms():
    return int(time.time() * 1000)


class Keeper(QObject):
    """Keeps one shared profile's QGIS authentication configuration current: asks
    `tokendesk token NAME --json` when the token is due and writes it into the config."""

    def __init__(self, plugin, name):
        super().__init__(plugin)
        self.plugin = plugin
        self.name = name
        self.expires_ms = None
        self.referer = None
        self.failures = 0
        self.due_ms = None
        self.busy = False
        self.waiting = []  # callbacks(ok) waiting for the first token
        self.stopped = False
        self.last_problem = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)

    # ----- scheduling ------------------------------------------------------------------

    def renew_now(self, then=None):
        if then is not None:
            self.waiting.append(then)
        if self.busy:
            return
        self.busy = True
        self.timer.stop()
        self.plugin.runner.run(["token", self.name, "--json"], self._answered)

    def _arm(self, delay_ms):
        self.due_ms = now_ms() + delay_ms
        self.timer.start(min(delay_ms, core.TIMER_SLICE_MS))

    def _tick(self):
        if self.stopped:
            return
        # Wall clock, not the timer's monotonic clock: right after a suspend as well.
        if self.due_ms is not None and now_ms() < self.due_ms:
            self.timer.start(min(self.due_ms - now_ms(), core.TIMER_SLICE_MS))
            return
        self.renew_now()

    def stop(self):
        self.stopped = True
        self.timer.stop()

    # ----- answers ---------------------------------------------------------------------

    def _answered(self, result):
        self.busy = False
        if self.stopped:
            return
        if result.not_found:
            self.plugin.tokendesk_not_found()
            self._settle(False)
            self.failures += 1
            self._arm(core.retry_delay_ms(self.failures))
            return
        if not result.ok:
            code = result.code
            message = result.failed or core.cli_error(result.stderr, code, self.name)
            self.plugin.problem(self.name, message, sign_in=(code == core.EXIT_SIGN_IN))
            self._settle(False)
            self.failures += 1
            if code == core.EXIT_SIGN_IN:
                # Nothing to renew until the profile is signed in again (Sign in… or the app
                # restart it); look again now and then.
                self._arm(core.RENEW_MAX_DELAY_MS)
            else:
                self._arm(core.retry_delay_ms(self.failures))
            return
        try:
            handout = core.parse_token(result.stdout)
        except core.CliOutputError as err:
            self.plugin.problem(self.name, str(err))
            self._settle(False)
            self.failures += 1
            self._arm(core.retry_delay_ms(self.failures))
            return
        previous = self.expires_ms
        stored = self.plugin.store_token(self.name, handout["token"])
        handout["token"] = None
        if not stored:
            self._settle(False)
            self.failures += 1
            self._arm(core.retry_delay_ms(self.failures))
            return
        self.failures = 0
        self.expires_ms = handout["expires_ms"]
        self.referer = handout["referer"]
        if self.last_problem:
            self.plugin.problem_solved(self.name)
        self._settle(True)
        self._arm(core.renewal_delay_ms(self.expires_ms, now_ms(), previous))
        self.plugin.profile_changed(self.name)

    def _settle(self, ok):
        waiting, self.waiting = self.waiting, []
        for callback in waiting:
            callback(ok)


class TokenDeskPlugin(QObject):
    """What QGIS loads (`classFactory`)."""

    def __init__(self, iface):
        super().__init__()
        self.iface = iface
        self.runner = Runner(self.configured_path, self)
        self.profiles = []
        self.status_error = None
        self.keepers = {}
        self.menu = None
        self.toolbar = None
        self.tool_button = None
        self.countdown_timer = None
        self.not_found_shown = False
        self._pending_status = []
        self._status_busy = False
        #: Plain-words messages shown in the message bar, newest last (also for tests).
        self.messages = []
        self._submenus = {}

    # ----- settings --------------------------------------------------------------------

    def configured_path(self):
        return QgsSettings().value(SETTINGS + "path", "", type=str)

    def shared(self):
        value = QgsSettings().value(SETTINGS + "shared", [], type=list)
        return [v for v in value if isinstance(v, str) and v]

    def _set_shared(self, names):
        QgsSettings().setValue(SETTINGS + "shared", sorted(set(names)))

    # ----- QGIS hooks ------------------------------------------------------------------

    def initGui(self):
        icon = QIcon(os.path.join(os.path.dirname(__file__), "icon.svg"))
        self.menu = QMenu(TITLE, self.iface.mainWindow())
        self.menu.setObjectName("TokenDeskMenu")
        self.menu.aboutToShow.connect(self._menu_about_to_show)
        self.menu.aboutToHide.connect(self._menu_hidden)
        menubar = self.iface.mainWindow().menuBar()
        help_menu = None
        for action in menubar.actions():
            if action.menu() is not None and action.menu().objectName() == "mHelpMenu":
                help_menu = action
        if help_menu is not None:
            menubar.insertMenu(help_menu, self.menu)
        else:
            menubar.addMenu(self.menu)
        self.toolbar = self.iface.addToolBar(TITLE)
        self.toolbar.setObjectName("TokenDeskToolbar")
        self.tool_button = QToolButton(self.toolbar)
        self.tool_button.setIcon(icon)
        self.tool_button.setToolTip("TokenDesk: profiles shared with QGIS, sign-in, ArcGIS layers")
        self.tool_button.setMenu(self.menu)
        self.tool_button.setPopupMode(QToolButton.InstantPopup)
        self.toolbar.addWidget(self.tool_button)
        self.countdown_timer = QTimer(self)
        self.countdown_timer.timeout.connect(self._update_labels)
        self._rebuild_menu()
        self.refresh_status(self._start_keepers)

    def unload(self):
        for keeper in self.keepers.values():
            keeper.stop()
        self.keepers.clear()
        if self.countdown_timer:
            self.countdown_timer.stop()
        self.runner.stop_all()
        if self.menu is not None:
            self.menu.menuAction().setVisible(False)
            self.iface.mainWindow().menuBar().removeAction(self.menu.menuAction())
            self.menu.deleteLater()
            self.menu = None
        if self.toolbar is not None:
            self.toolbar.deleteLater()
            self.toolbar = None

    # ----- status ----------------------------------------------------------------------

    def refresh_status(self, then=None):
        """Asks `tokendesk status --json` (asynchronously); `then()` runs after the answer."""
        if then is not None:
            self._pending_status.append(then)
        if self._status_busy:
            return
        self._status_busy = True
        self.runner.run(["status", "--json"], self._status_answered)

    def _status_answered(self, result):
        self._status_busy = False
        if result.not_found:
            self.tokendesk_not_found()
            self.status_error = core.not_found_message(self.configured_path())
        elif not result.ok:
            self.status_error = result.failed or core.cli_error(result.stderr, result.code)
            self.show_message(self.status_error, Qgis.Warning)
        else:
            try:
                self.profiles = core.parse_status(result.stdout)
                self.status_error = None
                self.not_found_shown = False
            except core.CliOutputError as err:
                self.status_error = str(err)
                self.show_message(self.status_error, Qgis.Warning)
        self._rebuild_menu()
        pending, self._pending_status = self._pending_status, []
        for then in pending:
            then()

    def _start_keepers(self):
        # Every shared profile, also one TokenDesk no longer knows: its keeper says so.
        for name in self.shared():
            self.keep(name)

    def profile_changed(self, name):
        self._rebuild_menu()

    # ----- sharing ---------------------------------------------------------------------

    def keep(self, name, then=None):
        """Starts keeping profile `name`'s configuration current (asks for a token now)."""
        keeper = self.keepers.get(name)
        if keeper is None:
            keeper = Keeper(self, name)
            self.keepers[name] = keeper
            keeper.renew_now(then)
        elif then is not None:
            if keeper.expires_ms is not None and keeper.expires_ms > now_ms():
                then(True)
            else:
                keeper.renew_now(then)
        return keeper

    def share(self, name, then=None):
        """Shares profile `name` with QGIS: its configuration is created and kept current."""
        names = self.shared()
        if name not in names:
            self._set_shared(names + [name])
        self.keep(name, then)
        self._rebuild_menu()

    def unshare(self, name):
        """Stops sharing profile `name`: its configuration (and the token in it) is removed."""
        self._set_shared([n for n in self.shared() if n != name])
        keeper = self.keepers.pop(name, None)
        if keeper is not None:
            keeper.stop()
        config_id = self.config_id(name)
        if config_id:
            QgsApplication.authManager().removeAuthenticationConfig(config_id)
        QgsSettings().remove(SETTINGS + "authcfg/" + name)
        self._rebuild_menu()

    # ----- the authentication configuration --------------------------------------------

    def config_id(self, name):
        """The id of profile `name`'s configuration, if it exists."""
        manager = QgsApplication.authManager()
        ids = manager.configIds()
        remembered = QgsSettings().value(SETTINGS + "authcfg/" + name, "", type=str)
        if remembered and remembered in ids:
            return remembered
        for config_id, config in manager.availableAuthMethodConfigs().items():
            if config.name() == name and config.method() == core.AUTH_METHOD:
                QgsSettings().setValue(SETTINGS + "authcfg/" + name, config_id)
                return config_id
        return None

    def store_token(self, name, token):
        """Writes `token` into profile `name`'s configuration (created the first time).
        QGIS keeps it in its encrypted authentication database; nowhere else."""
        manager = QgsApplication.authManager()
        if manager.isDisabled():
            self.problem(
                name,
                "QGIS's authentication system is disabled ({}), so TokenDesk cannot hand it "
                "tokens.".format(manager.disabledMessage() or "no reason given"),
            )
            return False
        config_id = self.config_id(name)
        config = QgsAuthMethodConfig()
        if config_id:
            if not manager.loadAuthenticationConfig(config_id, config, True):
                config_id = None
                config = QgsAuthMethodConfig()
        if config_id:
            config.setConfig(core.AUTH_TOKEN_KEY, token)
            ok = manager.updateAuthenticationConfig(config)
        else:
            config.setName(name)
            config.setMethod(core.AUTH_METHOD)
            config.setConfig(core.AUTH_TOKEN_KEY, token)
            answer = manager.storeAuthenticationConfig(config)
            ok, config = answer if isinstance(answer, tuple) else (answer, config)
            if ok:
                QgsSettings().setValue(SETTINGS + "authcfg/" + name, config.id())
        if not ok:
            self.problem(
                name,
                "QGIS did not accept the token for {} into its authentication database. Set or "
                "enter QGIS's master password (Settings → Options → Authentication) and try "
                "again.".format(name),
            )
        return ok

    # ----- adding layers ---------------------------------------------------------------

    def add_layer_dialog(self):
        url, ok = QInputDialog.getText(
            self.iface.mainWindow(),
            "Add ArcGIS layer from URL",
            "Service or layer URL (…/rest/services/…/FeatureServer/0):",
            QLineEdit.Normal,
        )
        if ok and url.strip():
            self.add_layer_from_url(url.strip())

    def add_layer_from_url(self, url, then=None):
        """Adds the layer(s) at `url`: finds the shared profile whose token works there
        (`tokendesk token NAME --for URL --json`), then adds them with its configuration.
        `then(layers)` gets the layers added (an empty list on failure)."""
        done = then or (lambda layers: None)
        try:
            service, layer_id = core.layer_target(url)
        except ValueError as err:
            self.show_message(str(err), Qgis.Warning)
            done([])
            return

        def with_profiles():
            candidates = core.choose_profiles(self.profiles, self.shared())
            if not candidates:
                if self.status_error:
                    self.show_message(self.status_error, Qgis.Warning)
                else:
                    self.show_message(
                        "No TokenDesk profile is shared with QGIS yet: open the TokenDesk menu "
                        "and tick Share with QGIS on the profile for this site.",
                        Qgis.Warning,
                    )
                done([])
                return
            self._try_profiles(url, service, layer_id, candidates, [], done)

        self.refresh_status(with_profiles)

    def _try_profiles(self, url, service, layer_id, candidates, refusals, done):
        if not candidates:
            message = refusals[-1] if refusals else "No shared profile works for this URL."
            self.show_message(message, Qgis.Warning)
            done([])
            return
        name, rest = candidates[0], candidates[1:]

        def answered(result):
            if result.not_found:
                self.tokendesk_not_found()
                done([])
                return
            if not result.ok:
                refusals.append(result.failed or core.cli_error(result.stderr, result.code, name))
                self._try_profiles(url, service, layer_id, rest, refusals, done)
                return
            try:
                handout = core.parse_token(result.stdout)
            except core.CliOutputError as err:
                self.show_message(str(err), Qgis.Warning)
                done([])
                return
            handout["token"] = None  # the configuration gets its token from the keeper
            if handout["kind"] == "none":
                self._add_layers(service, layer_id, None, None, done)
                return

            def ready(ok):
                if not ok:
                    done([])
                    return
                keeper = self.keepers.get(name)
                referer = keeper.referer if keeper else handout["referer"]
                self._add_layers(service, layer_id, self.config_id(name), referer, done)

            self.keep(name, ready)

        self.runner.run(["token", name, "--for", url, "--json"], answered)

    def _add_layers(self, service, layer_id, authcfg, referer, done):
        if layer_id is not None:
            layer = self._add_one("{}/{}".format(service, layer_id), authcfg, referer, None)
            done([layer] if layer is not None else [])
            return
        # A whole service: ask it for its layers (asynchronously, with the configuration).
        request = QNetworkRequest(QUrl(service + "?f=json"))
        if authcfg:
            updated = QgsApplication.authManager().updateNetworkRequest(request, authcfg)
            request = updated[1] if isinstance(updated, tuple) else request
        if referer:
            request.setRawHeader(b"Referer", referer.encode("utf-8"))
        reply = QgsNetworkAccessManager.instance().get(request)

        def finished():
            reply.deleteLater()
            try:
                info = json.loads(bytes(reply.readAll()).decode("utf-8"))
            except ValueError:
                info = {}
            if reply.error() or "error" in info or not info.get("layers"):
                self.show_message(
                    "{} did not list its layers (is the address right, and does the profile "
                    "have access?).".format(service),
                    Qgis.Warning,
                )
                done([])
                return
            layers = []
            for entry in info["layers"]:
                if isinstance(entry, dict) and isinstance(entry.get("id"), int):
                    layer = self._add_one(
                        "{}/{}".format(service, entry["id"]), authcfg, referer, entry.get("name")
                    )
                    if layer is not None:
                        layers.append(layer)
            done(layers)

        reply.finished.connect(finished)

    def _add_one(self, layer_url, authcfg, referer, name):
        uri = core.layer_uri(layer_url, authcfg, referer)
        title = name or layer_url.rstrip("/").split("/rest/services/")[-1]
        layer = QgsVectorLayer(uri, title, "arcgisfeatureserver")
        if not layer.isValid():
            error = layer.error()
            why = error.summary() if not error.isEmpty() else "the service did not answer as a feature layer"
            self.show_message("Could not add {}: {}".format(layer_url, why), Qgis.Warning)
            return None
        if name is None:
            # The service's own name for the layer ("Demo points"), when it gave one.
            title = layer.dataProvider().layerMetadata().title()
            if title:
                layer.setName(title)
        QgsProject.instance().addMapLayer(layer)
        return layer

    # ----- sign-in -------------------------------------------------------------------

    def sign_in(self, name):
        """`tokendesk login NAME`: TokenDesk opens the browser; QGIS keeps running."""
        self.show_message(
            "Signing in {} in your browser… (TokenDesk waits up to 5 minutes)".format(name),
            Qgis.Info,
        )

        def answered(result):
            if result.not_found:
                self.tokendesk_not_found()
                return
            if not result.ok:
                self.show_message(
                    result.failed or core.cli_error(result.stderr, result.code, name), Qgis.Warning
                )
                return
            self.show_message("{} is signed in.".format(name), Qgis.Success)
            self.problem_solved(name)
            self.refresh_status()
            if name in self.shared():
                self.keep(name).renew_now()

        self.runner.run(["login", name], answered, timeout_ms=6 * 60 * 1000)

    # ----- messages --------------------------------------------------------------------

    def show_message(self, text, level=Qgis.Info, widget_for=None):
        self.messages.append(text)
        bar = self.iface.messageBar()
        if widget_for is None:
            bar.pushMessage(TITLE, text, level, 0 if level >= Qgis.Warning else 8)
            return
        item = bar.createMessage(TITLE, text)
        button = QPushButton("Sign in…", item)
        button.clicked.connect(lambda: self.sign_in(widget_for))
        item.layout().addWidget(button)
        bar.pushWidget(item, level, 0)

    def problem(self, name, message, sign_in=False):
        keeper = self.keepers.get(name)
        if keeper is not None:
            if keeper.last_problem == message:
                return  # said once; not again at every retry
            keeper.last_problem = message
        self.show_message(message, Qgis.Warning, widget_for=name if sign_in else None)
        self._rebuild_menu()

    def problem_solved(self, name):
        keeper = self.keepers.get(name)
        if keeper is not None:
            keeper.last_problem = None

    def tokendesk_not_found(self):
        if self.not_found_shown:
            return
        self.not_found_shown = True
        self.show_message(core.not_found_message(self.configured_path()), Qgis.Critical)

    # ----- the menu ----------------------------------------------------------------------

    def _menu_about_to_show(self):
        self.refresh_status()
        self.countdown_timer.start(1000)

    def _menu_hidden(self):
        self.countdown_timer.stop()

    def _update_labels(self):
        """The countdowns, once a second while the menu is open."""
        now = now_ms()
        shared = self.shared()
        for profile in self.profiles:
            sub = self._submenus.get(profile["name"])
            if sub is not None:
                sub.setTitle(core.profile_label(profile, now, profile["name"] in shared))

    def _rebuild_menu(self):
        menu = self.menu
        if menu is None:
            return
        if menu.isVisible() and [p["name"] for p in self.profiles] == list(self._submenus):
            self._update_labels()
            return
        menu.clear()
        for sub in self._submenus.values():
            sub.deleteLater()
        self._submenus = {}
        shared = self.shared()
        heading = menu.addAction("Profiles shared with QGIS keep their token current")
        heading.setEnabled(False)
        if self.status_error:
            line = menu.addAction(self.status_error)
            line.setEnabled(False)
        elif not self.profiles:
            line = menu.addAction("No profiles yet: add one in TokenDesk (tokendesk profile add)")
            line.setEnabled(False)
        now = now_ms()
        for profile in self.profiles:
            name = profile["name"]
            sub = menu.addMenu(core.profile_label(profile, now, name in shared))
            sub.setObjectName("TokenDeskProfile:" + name)
            self._submenus[name] = sub
            share = sub.addAction("Share with QGIS")
            share.setCheckable(True)
            share.setChecked(name in shared)
            share.toggled.connect(lambda on, n=name: self.share(n) if on else self.unshare(n))
            sub.addAction("Sign in…").triggered.connect(lambda _=False, n=name: self.sign_in(n))
            if profile.get("message"):
                note = sub.addAction(profile["message"])
                note.setEnabled(False)
            keeper = self.keepers.get(name)
            if keeper is not None and keeper.expires_ms:
                line = sub.addAction(
                    "QGIS configuration “{}”: token good for {}, renewed before then".format(
                        name, core.countdown(keeper.expires_ms, now)
                    )
                )
                line.setEnabled(False)
        menu.addSeparator()
        add = menu.addAction("Add ArcGIS layer from URL…")
        add.setObjectName("TokenDeskAddLayer")
        add.triggered.connect(self.add_layer_dialog)
        menu.addAction("Refresh").triggered.connect(lambda: self.refresh_status())
        menu.addAction("Settings…").triggered.connect(self.settings_dialog)

    def settings_dialog(self):
        path, _ = QFileDialog.getOpenFileName(
            self.iface.mainWindow(),
            "The tokendesk command (cancel to use the one on PATH)",
            self.configured_path() or "/usr/bin",
        )
        QgsSettings().setValue(SETTINGS + "path", path or "")
        self.not_found_shown = False
        self.refresh_status(self._start_keepers)

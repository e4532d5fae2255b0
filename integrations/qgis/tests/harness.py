"""A headless QGIS that loads the TokenDesk plugin from the repository and checks one
scenario against the demo portal. Run by tests/cli/qgis_plugin.rs with Debian's python3
(python3-qgis):

    python3 harness.py SCENARIO

Scenarios: `layer`, `renewal`, `no-session`, `missing`, `installed` (the plugin from
PLUGINS_DIR through QGIS's own plugin loader). The environment gives
HARNESS_HOME (a throw-away dir: QGIS profile folder and auth database), DEMO_ORIGIN
(https://127.0.0.1:PORT), DEMO_CA (the portal's CA, PEM), PROFILE (the TokenDesk profile),
and TokenDesk's own variables (TOKENDESK_CONFIG_DIR…). PATH decides whether `tokendesk` is
found.

Prints `RESULT {json}` with figures (never a token) and exits 0 when every check held, 1
with `FAILED: …` otherwise. Waits are on conditions, each with a deadline.
"""

import json
import os
import ssl
import sys
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN_PARENT = os.path.dirname(HERE)  # integrations/qgis, which holds tokendesk/
HOME = os.environ["HARNESS_HOME"]
os.environ["QT_QPA_PLATFORM"] = "offscreen"
# Qt's settings and QGIS's network cache go under the throw-away home, not the user's.
os.environ["XDG_CONFIG_HOME"] = os.path.join(HOME, "config")
os.environ["XDG_CACHE_HOME"] = os.path.join(HOME, "cache")
os.environ["QGIS_AUTH_DB_DIR_PATH"] = os.path.join(HOME, "auth")
os.makedirs(os.environ["QGIS_AUTH_DB_DIR_PATH"], exist_ok=True)
os.makedirs(os.path.join(HOME, "profile"), exist_ok=True)

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsFeatureRequest, QgsSettings  # noqa: E402
from qgis.gui import QgsMessageBar  # noqa: E402
from qgis.PyQt.QtCore import QCoreApplication, QEventLoop, QTimer  # noqa: E402
from qgis.PyQt.QtNetwork import QSslCertificate  # noqa: E402
from qgis.PyQt.QtWidgets import QMainWindow  # noqa: E402

MASTER_PASSWORD = "harness-master-password"
LAYER_PATH = "/server/rest/services/Demo/FeatureServer/0"
SERVICE_PATH = "/server/rest/services/Demo/FeatureServer"
PUBLIC_LAYER_PATH = "/public/rest/services/Demo/FeatureServer/0"
FEATURES = 350

exceptions = []


def excepthook(kind, value, tb):
    # PyQt calls this for an exception in a slot; QGIS would show a Python error dialog.
    exceptions.append("".join(traceback.format_exception(kind, value, tb)))


sys.excepthook = excepthook


class Failed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failed(what)


class Iface:
    """The part of QgisInterface the plugin uses: main window, message bar, toolbars."""

    def __init__(self):
        self.window = QMainWindow()
        self.bar = QgsMessageBar(self.window)
        self.window.setCentralWidget(self.bar)

    def mainWindow(self):  # noqa: N802
        return self.window

    def messageBar(self):  # noqa: N802
        return self.bar

    def addToolBar(self, name):  # noqa: N802
        return self.window.addToolBar(name)


def spin(ms=25):
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec_()


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed("within {} s: {}".format(seconds, what))
        spin()


def bar_texts(iface):
    texts = []
    for item in iface.bar.items():
        texts.append(item.text())
    return texts


def config_token(config_id):
    """The token in a configuration (the harness reads it to compare; never printed)."""
    config = QgsAuthMethodConfig()
    check(QgsApplication.authManager().loadAuthenticationConfig(config_id, config, True), "config loads")
    return config


def portal_refuses(token):
    """Whether the portal answers community/self with 498 for `token` (sent in a header)."""
    context = ssl.create_default_context(cafile=os.environ["DEMO_CA"])
    request = urllib.request.Request(
        os.environ["DEMO_ORIGIN"] + "/portal/sharing/rest/community/self?f=json",
        headers={"X-Esri-Authorization": "Bearer " + token},
    )
    with urllib.request.urlopen(request, context=context, timeout=10) as answer:
        body = json.loads(answer.read().decode("utf-8"))
    return body.get("error", {}).get("code") == 498


def count_features(layer, limit=None):
    request = QgsFeatureRequest()
    if limit:
        request.setLimit(limit)
    return sum(1 for _ in layer.getFeatures(request))


def scan_for(secret, root):
    """Files under `root` holding `secret` in plain text."""
    hits = []
    needle = secret.encode("utf-8")
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    if needle in f.read():
                        hits.append(path)
            except OSError:
                pass
    return hits


def start(load_from_repository=True):
    QCoreApplication.setOrganizationName("QGIS")
    QCoreApplication.setApplicationName("QGIS3")
    app = QgsApplication([], True, os.path.join(HOME, "profile"))
    QgsApplication.setPrefixPath("/usr", True)
    app.initQgis()
    manager = QgsApplication.authManager()
    check(not manager.isDisabled(), "the auth manager works: " + manager.disabledMessage())
    # A test sets the master password itself; the plugin never does.
    check(manager.setMasterPassword(MASTER_PASSWORD, True), "master password set")
    certificates = QSslCertificate.fromPath(os.environ["DEMO_CA"])
    check(certificates, "the demo CA reads")
    for certificate in certificates:
        check(manager.storeCertAuthority(certificate), "CA stored")
    manager.rebuildCaCertsCache()
    manager.rebuildTrustedCaCertsCache()
    iface = Iface()
    if not load_from_repository:
        return app, iface, None
    sys.path.insert(0, PLUGIN_PARENT)
    import tokendesk

    check(os.path.dirname(tokendesk.__file__) == os.path.join(PLUGIN_PARENT, "tokendesk"), "plugin from the repository")
    plugin = tokendesk.classFactory(iface)
    plugin.initGui()
    return app, iface, plugin


def add_layer(plugin, url, seconds=30):
    added = []
    plugin.add_layer_from_url(url, then=lambda layers: added.append(layers))
    wait_until(lambda: added, seconds, "the plugin adds " + url)
    return added[0]


def share_and_wait(plugin, name, seconds=30):
    shared = []
    plugin.share(name, then=lambda ok: shared.append(ok))
    wait_until(lambda: shared, seconds, "the plugin answers for " + name)
    return shared[0]


def scenario_layer(app, iface, plugin, result):
    name = os.environ["PROFILE"]
    origin = os.environ["DEMO_ORIGIN"]
    wait_until(lambda: plugin.profiles, 30, "status lists the profiles")
    check(share_and_wait(plugin, name), "the profile's configuration is created: {}".format(bar_texts(iface)))
    config_id = plugin.config_id(name)
    check(config_id, "a configuration for " + name)
    config = config_token(config_id)
    result["config_name"] = config.name()
    result["config_method"] = config.method()
    token = config.config("token")
    check(token, "the configuration holds a token")
    check(config.name() == name and config.method() == "EsriToken", "named after the profile, EsriToken")
    started = time.monotonic()
    layers = add_layer(plugin, origin + LAYER_PATH)
    check(len(layers) == 1, "one layer added: {}".format(bar_texts(iface)))
    layer = layers[0]
    result["layer_valid"] = layer.isValid()
    result["layer_authcfg"] = layer.dataProvider().uri().authConfigId() == config_id
    result["feature_count"] = layer.featureCount()
    result["features_read"] = count_features(layer)
    result["layer_seconds"] = round(time.monotonic() - started, 2)
    check(layer.isValid(), "the layer is valid")
    check(result["layer_authcfg"], "the layer uses the profile's configuration")
    check(result["feature_count"] == FEATURES, "featureCount {}".format(result["feature_count"]))
    check(result["features_read"] == FEATURES, "features read {}".format(result["features_read"]))
    # A whole service: the plugin lists its layers with the configuration and adds them.
    service_layers = add_layer(plugin, origin + SERVICE_PATH)
    result["service_layers"] = len(service_layers)
    check(len(service_layers) == 1 and service_layers[0].featureCount() == FEATURES, "the service's layer")
    # A public layer needs no token: no configuration on it.
    public = add_layer(plugin, origin + PUBLIC_LAYER_PATH)
    check(len(public) == 1 and public[0].isValid(), "the public layer")
    check(not public[0].dataProvider().uri().authConfigId(), "no configuration on a public layer")
    result["public_feature_count"] = public[0].featureCount()
    # The token is nowhere in plain text: not in QGIS's settings, not in the auth database.
    hits = scan_for(token, HOME)
    check(not hits, "the token appears in plain text in {}".format(hits))
    result["menu_profiles"] = [a.text() for a in plugin.menu.actions() if a.menu() is not None]


def scenario_renewal(app, iface, plugin, result):
    name = os.environ["PROFILE"]
    origin = os.environ["DEMO_ORIGIN"]
    wait_until(lambda: plugin.profiles, 30, "status lists the profiles")
    check(share_and_wait(plugin, name), "the configuration is created: {}".format(bar_texts(iface)))
    config_id = plugin.config_id(name)
    first = config_token(config_id).config("token")
    first_expiry = plugin.keepers[name].expires_ms
    result["first_token_life_s"] = round((first_expiry - time.time() * 1000) / 1000, 1)
    check(result["first_token_life_s"] < 40, "the demo portal's short tokens are in use")
    layers = add_layer(plugin, origin + LAYER_PATH)
    check(len(layers) == 1 and layers[0].isValid(), "the layer is valid")
    layer = layers[0]
    # Only the first batch (100 object ids) is fetched now, with the first token.
    result["early_features"] = count_features(layer, limit=50)
    check(result["early_features"] == 50, "the first batch reads")
    started = time.monotonic()
    wait_until(lambda: config_token(config_id).config("token") != first, 60, "the plugin renews the configuration")
    result["renewed_after_s"] = round(time.monotonic() - started, 1)
    result["renewed_before_expiry_s"] = round((first_expiry - time.time() * 1000) / 1000, 1)
    second = config_token(config_id).config("token")
    check(second and second != first, "a new token")
    wait_until(lambda: portal_refuses(first), 60, "the portal refuses the first token")
    result["old_token_refused"] = True
    check(not portal_refuses(second), "the portal takes the renewed token")
    # Batches beyond the first, never fetched before: they need the renewed token.
    result["features_after_renewal"] = count_features(layer)
    check(result["features_after_renewal"] == FEATURES, "features after renewal {}".format(result["features_after_renewal"]))
    # And a fresh start of the provider (no cache at all).
    layer.dataProvider().reloadData()
    result["features_after_reload"] = count_features(layer)
    check(result["features_after_reload"] == FEATURES, "features after reloadData {}".format(result["features_after_reload"]))
    check(layer.isValid(), "the layer stays valid")
    check(not scan_for(first, HOME) and not scan_for(second, HOME), "no token in plain text under the QGIS home")


def scenario_no_session(app, iface, plugin, result):
    name = os.environ["PROFILE"]
    wait_until(lambda: plugin.profiles, 30, "status lists the profiles")
    ok = share_and_wait(plugin, name)
    check(not ok, "no token for a profile without a session")
    texts = wait_until(lambda: [t for t in bar_texts(iface) if "tokendesk login " + name in t], 10, "the remedy in the message bar: {}".format(bar_texts(iface)))
    result["message"] = texts[0]
    check(plugin.config_id(name) is None, "no configuration without a token")
    result["menu_profiles"] = [a.text() for a in plugin.menu.actions() if a.menu() is not None]


def scenario_missing(app, iface, plugin, result):
    texts = wait_until(lambda: [t for t in bar_texts(iface) if "TokenDesk not found" in t], 10, "the not-found message: {}".format(bar_texts(iface)))
    result["message"] = texts[0]
    # Sharing and adding a layer say so too, without a traceback.
    share_and_wait(plugin, os.environ.get("PROFILE", "demo"))
    added = add_layer(plugin, os.environ.get("DEMO_ORIGIN", "https://127.0.0.1:9") + LAYER_PATH)
    check(added == [], "no layer without TokenDesk")
    result["menu_lines"] = [a.text() for a in plugin.menu.actions()]
    check(any("TokenDesk not found" in line for line in result["menu_lines"]), "the menu says so too")


def scenario_installed(app, iface, _, result):
    """The plugin as installed from the zip (or copied into a profile, or by the .deb): QGIS's
    own plugin machinery finds it in PLUGINS_DIR, loads and starts it."""
    import qgis.utils

    plugins_dir = os.environ["PLUGINS_DIR"]
    sys.path.insert(0, plugins_dir)
    qgis.utils.plugin_paths = [plugins_dir]
    qgis.utils.iface = iface
    qgis.utils.updateAvailablePlugins()
    check("tokendesk" in qgis.utils.available_plugins, "QGIS finds the plugin in " + plugins_dir)
    result["name"] = qgis.utils.pluginMetadata("tokendesk", "name")
    result["qgis_minimum"] = qgis.utils.pluginMetadata("tokendesk", "qgisMinimumVersion")
    check(qgis.utils.loadPlugin("tokendesk"), "QGIS loads the plugin: {}".format(bar_texts(iface)))
    check(qgis.utils.startPlugin("tokendesk"), "QGIS starts the plugin: {}".format(bar_texts(iface)))
    plugin = qgis.utils.plugins["tokendesk"]
    module = sys.modules["tokendesk"].__file__
    check(module.startswith(plugins_dir), "the installed copy runs, not another: " + module)
    wait_until(lambda: plugin.profiles, 30, "the installed plugin lists the profiles")
    result["menu_profiles"] = [a.text() for a in plugin.menu.actions() if a.menu() is not None]
    result["menu_title"] = plugin.menu.title()
    check(qgis.utils.unloadPlugin("tokendesk"), "QGIS unloads the plugin")


def scenario_referer(app, iface, plugin, result):
    """A referer-bound token (password profile): the layer carries the Referer in its source."""
    name = os.environ["PROFILE"]
    wait_until(lambda: plugin.profiles, 30, "status lists the profiles")
    check(share_and_wait(plugin, name), "the configuration is created: {}".format(bar_texts(iface)))
    layers = add_layer(plugin, os.environ["DEMO_ORIGIN"] + LAYER_PATH)
    check(len(layers) == 1, "one layer added: {}".format(bar_texts(iface)))
    layer = layers[0]
    uri = layer.dataProvider().uri()
    result["layer_referer"] = uri.param("referer")
    result["layer_valid"] = layer.isValid()
    result["features_read"] = count_features(layer)
    check(result["features_read"] == FEATURES, "features read {}".format(result["features_read"]))
    # The same layer without the Referer: the portal refuses the bound token, so nothing loads.
    from qgis.core import QgsNetworkAccessManager, QgsVectorLayer

    # (QGIS would answer the layer's description from its network cache otherwise.)
    QgsNetworkAccessManager.instance().cache().clear()
    bare = QgsVectorLayer("url='{}' authcfg={}".format(os.environ["DEMO_ORIGIN"] + LAYER_PATH, uri.authConfigId()), "bare", "arcgisfeatureserver")
    result["without_referer_valid"] = bare.isValid()


SCENARIOS = {
    "referer": scenario_referer,
    "installed": scenario_installed,
    "layer": scenario_layer,
    "renewal": scenario_renewal,
    "no-session": scenario_no_session,
    "missing": scenario_missing,
}


def main():
    scenario = SCENARIOS[sys.argv[1]]
    result = {"scenario": sys.argv[1]}
    started = time.monotonic()
    app = None
    status = 0
    try:
        app, iface, plugin = start(load_from_repository=sys.argv[1] != "installed")
        result["start_seconds"] = round(time.monotonic() - started, 2)
        scenario(app, iface, plugin, result)
        if plugin is not None:
            plugin.unload()
        QgsSettings().sync()
        check(not exceptions, "no Python exception in the plugin:\n" + "\n".join(exceptions))
    except Failed as failure:
        print("FAILED: {}".format(failure), flush=True)
        if exceptions:
            print("Python exceptions:\n" + "\n".join(exceptions), flush=True)
        status = 1
    result["seconds"] = round(time.monotonic() - started, 2)
    print("RESULT " + json.dumps(result), flush=True)
    if app is not None:
        app.exitQgis()
    sys.stdout.flush()
    os._exit(status)


if __name__ == "__main__":
    main()

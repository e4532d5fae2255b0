"""TokenDesk for QGIS: keeps the ArcGIS tokens of TokenDesk profiles current in QGIS's
authentication configurations. It talks to the `tokendesk` command only."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import TokenDeskPlugin

    return TokenDeskPlugin(iface)

"""The plugin's logic without Qt: parsing what `tokendesk` prints, choosing when to renew,
turning a pasted URL into a layer URI, and the words the plugin shows.

Everything here is a pure function of its arguments (times are passed in, in epoch
milliseconds), so `integrations/qgis/tests/test_core.py` tests it with plain Python.
Nothing here ever puts a token in a message.
"""

import calendar
import json
import re
from urllib.parse import urlsplit, urlunsplit

#: Exit codes of `tokendesk` (README, "Exit codes").
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_SIGN_IN = 3
EXIT_NETWORK = 4

#: The QGIS authentication method and the config key it keeps the token under.
AUTH_METHOD = "EsriToken"
AUTH_TOKEN_KEY = "token"

#: The plugin asks for a new token this long before expiry at most (TokenDesk renews
#: 5 minutes, or a fifth of the token's life, ahead; asking a little later than that makes
#: sure the answer is a renewed token).
RENEW_AHEAD_MAX_MS = 4 * 60 * 1000
#: ...and never sooner than this after the last answer.
RENEW_MIN_DELAY_MS = 1000
#: A timer is never armed for longer than this: a check of the wall clock every so often
#: keeps renewals on time across suspend (a monotonic timer stops while the laptop sleeps).
TIMER_SLICE_MS = 30 * 1000
#: The longest wait before asking again, even for a long-lived token (a sign-out elsewhere
#: shows within this time).
RENEW_MAX_DELAY_MS = 10 * 60 * 1000

STATE_WORDS = {
    "valid": "signed in",
    "refreshing": "renewing",
    "refresh_failing": "renewal failing",
    "needs_sign_in": "sign-in needed",
    "signed_out": "signed out",
    "error": "error",
    "unknown": "unknown (no keyring)",
}


class CliOutputError(ValueError):
    """`tokendesk` printed something the plugin does not understand."""


def parse_status(text):
    """The profiles of `tokendesk status --json` as a list of dicts with the keys `name`,
    `state`, `user`, `access_expires_ms` (or None), `message` (or None) and `referer`."""
    try:
        value = json.loads(text)
    except ValueError as err:
        raise CliOutputError("`tokendesk status --json` did not print JSON ({})".format(err))
    if isinstance(value, dict) and "profiles" in value:
        rows = value["profiles"]
    elif isinstance(value, dict) and "name" in value:
        rows = [value]
    else:
        raise CliOutputError("`tokendesk status --json` printed an unexpected object")
    if not isinstance(rows, list):
        raise CliOutputError("`tokendesk status --json`: `profiles` is not a list")
    profiles = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            raise CliOutputError("`tokendesk status --json`: a profile without a name")
        profiles.append(
            {
                "name": row["name"],
                "state": row.get("state") or "unknown",
                "user": row.get("user"),
                "access_expires_ms": rfc3339_ms(row.get("access_expires_at")),
                "message": row.get("message"),
                "warning": row.get("warning"),
                "referer": row.get("referer"),
            }
        )
    return profiles


_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def rfc3339_ms(text):
    """An RFC 3339 time as epoch milliseconds; None for None or anything unreadable."""
    if not isinstance(text, str):
        return None
    match = _RFC3339.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7)
    millis = int(round(float(fraction) * 1000)) if fraction else 0
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    zone = match.group(8)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds * 1000 + millis


def parse_token(text):
    """The object `tokendesk token NAME [--for URL] --json` prints, checked: a dict with
    `profile`, `token` (None when the URL needs none), `expires_ms`, `referer`, `site`,
    `kind`, `user`."""
    try:
        value = json.loads(text)
    except ValueError:
        # Never quote the text: it may hold a token.
        raise CliOutputError("`tokendesk token --json` did not print JSON")
    if not isinstance(value, dict):
        raise CliOutputError("`tokendesk token --json` did not print an object")
    kind = value.get("kind")
    token = value.get("token")
    if kind != "none":
        if not isinstance(token, str) or not token:
            raise CliOutputError("`tokendesk token --json` printed no token")
        if not isinstance(value.get("expires_ms"), int):
            raise CliOutputError("`tokendesk token --json` printed no expiry")
    return {
        "profile": value.get("profile"),
        "token": token if kind != "none" else None,
        "expires_ms": value.get("expires_ms"),
        "referer": value.get("referer"),
        "site": value.get("site"),
        "kind": kind,
        "user": value.get("user"),
    }


def renewal_delay_ms(expires_ms, now_ms, previous_expires_ms=None):
    """How long to wait before asking `tokendesk token NAME --json` again.

    Aims at a little less than TokenDesk's own renewal margin before expiry (the remaining
    life is taken as the token's life: a lower bound), so the next answer is a renewed
    token. When the last answer was the same token again (`previous_expires_ms` equal), it
    asks again after a quarter of what is left, at least a second later."""
    remaining = expires_ms - now_ms
    if remaining <= 0:
        return RENEW_MIN_DELAY_MS
    if previous_expires_ms is not None and previous_expires_ms == expires_ms:
        delay = remaining // 4
    else:
        ahead = min(RENEW_AHEAD_MAX_MS, remaining // 6)
        delay = remaining - ahead
    return int(max(RENEW_MIN_DELAY_MS, min(RENEW_MAX_DELAY_MS, delay)))


def retry_delay_ms(failures):
    """Backoff after failed renewals: 5 s doubling, at most 2 minutes."""
    return int(min(120_000, 5000 * (2 ** max(0, min(failures - 1, 10)))))


def countdown(expires_ms, now_ms):
    """A countdown as TokenDesk's window shows it: `24:13`, `3 h 12 m`, `14 d`, `expired`."""
    if expires_ms is None:
        return ""
    left = (expires_ms - now_ms) // 1000
    if left <= 0:
        return "expired"
    if left < 3600:
        return "{}:{:02d}".format(left // 60, left % 60)
    if left < 2 * 86400:
        return "{} h {} m".format(left // 3600, (left % 3600) // 60)
    return "{} d".format(left // 86400)


def profile_label(profile, now_ms, shared):
    """The menu line of one profile: name, state in words, user, countdown, and whether it is
    shared with QGIS."""
    words = STATE_WORDS.get(profile["state"], profile["state"])
    parts = [words]
    if profile.get("user"):
        parts.append(profile["user"])
    left = countdown(profile.get("access_expires_ms"), now_ms) if profile["state"] == "valid" else ""
    if left:
        parts.append(left)
    line = "{} — {}".format(profile["name"], ", ".join(parts))
    return line + ("  (shared with QGIS)" if shared else "")


def cli_error(stderr, code, profile=None):
    """What went wrong, in plain words with the remedy, from a failed `tokendesk` run: the
    lines TokenDesk wrote to stderr (its messages already name what to do), else words for
    the exit code."""
    lines = []
    for line in (stderr or "").splitlines():
        line = line.strip()
        if not line.startswith("tokendesk: "):
            continue
        text = line[len("tokendesk: "):].strip()
        if text.startswith("warning:") or not text:
            continue
        lines.append(text)
    if lines:
        # The last message is the failure; earlier ones are notes (a server token issued…).
        text = lines[-1]
        return text[0].upper() + text[1:]
    name = profile or "NAME"
    if code == EXIT_SIGN_IN:
        return "Profile {0} needs a sign-in: use Sign in… in the TokenDesk menu, or run `tokendesk login {0}`.".format(name)
    if code == EXIT_NETWORK:
        return "The portal could not be reached or answered with an error. Check your network connection and try again."
    if code == EXIT_USAGE:
        return "TokenDesk did not accept the request (a malformed URL?)."
    return "TokenDesk failed (exit code {}). Run `tokendesk status` in a terminal to see why.".format(code)


def not_found_message(configured_path=None):
    """The message when the `tokendesk` command cannot be started."""
    if configured_path:
        return (
            "TokenDesk not found at {}: install TokenDesk, or correct its path in "
            "TokenDesk → Settings….".format(configured_path)
        )
    return (
        "TokenDesk not found: the `tokendesk` command is not on PATH. Install TokenDesk "
        "(the .deb puts it in /usr/bin), or set its path in TokenDesk → Settings…."
    )


_SERVICE = re.compile(r"^(?P<service>.*/rest/services/.+?/(?P<type>FeatureServer|MapServer))(?:/(?P<rest>.*))?$", re.I)


def layer_target(url):
    """A pasted service or layer URL as (service URL, layer id or None).

    Takes `…/FeatureServer`, `…/FeatureServer/3`, `…/MapServer/0/query?…` and the like;
    drops the query string and fragment. Raises ValueError with words for anything else."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise ValueError("Paste the address of an ArcGIS feature or map service or one of its layers (https://…/rest/services/…/FeatureServer/0).")
    path = parts.path.rstrip("/")
    match = _SERVICE.match(path)
    if not match:
        raise ValueError("This is not the address of an ArcGIS feature or map service: it should contain /rest/services/…/FeatureServer or …/MapServer.")
    service = urlunsplit((parts.scheme, parts.netloc, match.group("service"), "", ""))
    rest = match.group("rest") or ""
    first = rest.split("/")[0] if rest else ""
    if first.isdigit():
        return service, int(first)
    return service, None


def _quote(value):
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def layer_uri(layer_url, authcfg=None, referer=None):
    """The `arcgisfeatureserver` data source URI of a layer: `url='…'`, `authcfg=…` and the
    `referer='…'` a referer-bound token needs (QGIS sends it as the Referer header)."""
    parts = ["url=" + _quote(layer_url)]
    if authcfg:
        parts.append("authcfg=" + authcfg)
    if referer:
        parts.append("referer=" + _quote(referer))
    return " ".join(parts)


def choose_profiles(profiles, shared):
    """The shared profiles to try for a URL, signed-in ones first, in the order given."""
    names = [p["name"] for p in profiles if p["name"] in shared]
    valid = [p["name"] for p in profiles if p["name"] in shared and p["state"] == "valid"]
    return valid + [n for n in names if n not in valid]

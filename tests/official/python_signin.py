"""Sign in to a portal with the official ArcGIS API for Python and print who signed in.

Used by tests/system/official_clients.rs to check that the demo portal is accepted by the real
client; also handy by hand:

    TOKENDESK_PASSWORD=tokendesk-demo target/official-clients/venv/bin/python \
        tests/official/python_signin.py --url https://127.0.0.1:PORT/portal \
        --username analyst --ca-file /tmp/ca.pem

Inputs (argument, else environment variable):
  --url       TOKENDESK_PORTAL_URL   portal URL, e.g. https://host/portal or …/portal/sharing/rest
  --username  TOKENDESK_USERNAME
  --ca-file   TOKENDESK_CA_FILE      PEM bundle to trust, given to GIS(ca_bundles=…); optional
  --timeout   TOKENDESK_TIMEOUT      seconds for the whole sign-in (default 60)
  password:   TOKENDESK_PASSWORD     environment only, so it never shows in a process list

On success prints exactly one line `username=<name>` on stdout and exits 0; on failure prints
what failed on stderr and exits 1 (2 for bad usage).
"""

import argparse
import os
import signal
import sys


def fail(message: str, code: int = 1) -> "None":
    print(f"python_signin: {message}", file=sys.stderr)
    sys.exit(code)


def parse_args() -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=env("TOKENDESK_PORTAL_URL"))
    parser.add_argument("--username", default=env("TOKENDESK_USERNAME"))
    parser.add_argument("--ca-file", default=env("TOKENDESK_CA_FILE"))
    parser.add_argument("--timeout", type=int, default=int(env("TOKENDESK_TIMEOUT", "60")))
    args = parser.parse_args()
    if not args.url:
        fail("no portal URL: pass --url or set TOKENDESK_PORTAL_URL", 2)
    if not args.username:
        fail("no username: pass --username or set TOKENDESK_USERNAME", 2)
    if args.ca_file and not os.path.isfile(args.ca_file):
        fail(f"CA file {args.ca_file} does not exist", 2)
    return args


def describe(err: BaseException) -> str:
    """The error and the ones it was raised from: the library often re-wraps the real cause."""
    parts, seen = [], set()
    while err is not None and id(err) not in seen and len(parts) < 6:
        seen.add(id(err))
        parts.append(f"{type(err).__name__}: {err}")
        err = err.__cause__ or err.__context__
    return "\n  raised while handling ".join(parts)


def on_timeout(_signum, _frame):
    # os._exit, not sys.exit: the library has bare `except:` clauses that would swallow SystemExit.
    print("python_signin: timed out: the sign-in did not finish in time (is the portal answering?)",
          file=sys.stderr, flush=True)
    os._exit(1)


def main() -> None:
    args = parse_args()
    password = os.environ.get("TOKENDESK_PASSWORD")
    if not password:
        fail("no password: set TOKENDESK_PASSWORD (never passed as an argument)", 2)

    # Bound the whole sign-in, whatever the library's own retries and timeouts do.
    signal.signal(signal.SIGALRM, on_timeout)
    signal.alarm(args.timeout)

    try:
        from arcgis.gis import GIS
    except ImportError as err:
        fail(f"cannot import the ArcGIS API for Python ({err}); run scripts/setup-official-clients")

    options = {"timeout": min(args.timeout, 30)}
    if args.ca_file:
        options["ca_bundles"] = args.ca_file
    try:
        gis = GIS(args.url, args.username, password, **options)
        me = gis.users.me
    except Exception as err:  # the library raises many unrelated types; report any of them
        fail(f"sign-in to {args.url} as {args.username} failed: {describe(err)}")
    signal.alarm(0)
    if me is None or not getattr(me, "username", None):
        fail(f"signed in to {args.url} but the portal reported no signed-in user")
    print(f"username={me.username}")


if __name__ == "__main__":
    main()

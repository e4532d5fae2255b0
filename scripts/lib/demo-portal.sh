# shellcheck shell=bash
# Starts `tokendesk demo-portal` in the background for a script and waits (30 s at most) for
# its `ready` line. Sourced by scripts/test-gui-xvfb and scripts/bench-gui.
#
#   start_demo_portal BIN DIR   → sets DEMO_PORTAL_PID, DEMO_PORTAL_URL (the Sharing REST root)
#                                 and DEMO_PORTAL_CA (DIR/ca.pem); the portal's log: DIR/portal.log
start_demo_portal() {
  local bin=$1 dir=$2 line
  mkfifo "$dir/portal.out"
  "$bin" demo-portal --listen 127.0.0.1:0 --ca-out "$dir/ca.pem" >"$dir/portal.out" 2>"$dir/portal.log" &
  DEMO_PORTAL_PID=$!
  DEMO_PORTAL_CA="$dir/ca.pem"
  DEMO_PORTAL_URL=
  exec 4<"$dir/portal.out"
  while IFS= read -r -t 30 line <&4; do
    case "$line" in
      "portal "*) DEMO_PORTAL_URL=${line#portal } ;;
      ready) return 0 ;;
    esac
  done
  echo "tokendesk demo-portal did not print its portal line and ready within 30 s:" >&2
  cat "$dir/portal.log" >&2
  return 1
}

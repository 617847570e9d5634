#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, then runs the
# gateway with a simulated city and opens `handoffctl watch` in the foreground:
# the dispatcher console on a terminal (q quits), else alert lines (Ctrl-C).
# Arguments go to watch (--lines, --json, --units), except a first --curve:
# CURVE on every endpoint, with keys made once in state/keys/ (the server's,
# desk-central's as dispatcher, cad-1's) and a config that names them,
# config/handoff.curve.local.yaml (git ignores it). A PCSO presses the
# emergency button about 8 s after start (and again 20 s later). Leaving watch
# stops everything. Logs: state/demo-handoffd.log, state/demo-sim.log.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

config=config/handoff.yaml
mkdir -p state
if [ "${1:-}" = --curve ]; then
  shift
  keys=state/keys
  if [ ! -f "$keys/keys.yaml" ]; then
    mkdir -p "$keys"
    build/handoffctl keygen --role server --dir "$keys" server >/dev/null
    {
      echo "clients:"
      build/handoffctl keygen --role dispatcher --dir "$keys" desk-central | grep -v '^#'
      build/handoffctl keygen --role cad --dir "$keys" cad-1 | grep -v '^#'
    } > "$keys/keys.yaml.new"
    mv "$keys/keys.yaml.new" "$keys/keys.yaml"
  fi
  sed -e 's|^  server_cert:.*|  server_cert: ../state/keys/server.key_secret|' \
      -e 's|^  clients:.*|  clients: ../state/keys/keys.yaml|' \
      config/handoff.yaml > config/handoff.curve.local.yaml
  config=config/handoff.curve.local.yaml
  export HANDOFF_CERT=$keys/desk-central.key_secret HANDOFF_SERVER_KEY=$keys/server.key
  echo "CURVE on: keys in $keys/ (cad-1.key_secret is a CAD system's; see README \"Security\")."
fi
build/handoffd -c "$config" --check

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

build/handoff-sim -c "$config" > state/demo-sim.log 2>&1 &
pids+=($!)
build/handoffd -c "$config" > state/demo-handoffd.log 2>&1 &
pids+=($!)

# If either died at start (a port taken by an earlier run, say), say why.
sleep 1
for i in 0 1; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    log=$([ "$i" = 0 ] && echo state/demo-sim.log || echo state/demo-handoffd.log)
    echo "demo: $( [ "$i" = 0 ] && echo handoff-sim || echo handoffd ) failed to start:" >&2
    tail -5 "$log" >&2
    exit 1
  fi
done

echo "handoff demo: gateway and simulated city running (logs in state/)."
echo "PCSO 7 presses the emergency button in about 8 s; unacknowledged, it escalates"
echo "to supervisor PS 12 after 30 s."
if [ -t 0 ] && [ -t 1 ] && [[ " $* " != *" --lines "* && " $* " != *" --json "* ]]; then
  # On a terminal: the dispatcher console, in the foreground. q ends the demo.
  echo "Opening the dispatcher console: a acknowledge, s assign, r resolve, c cancel, q quit."
else
  echo "Watching alerts. In another terminal:"
  echo "  build/handoffctl -c $config ack 1   # stops the escalation; the radio gets an SDS"
  echo "  build/handoffctl -c $config assign 1 \"PC 5002\"  # the radio hears who comes, how far"
  echo "Ctrl-C to stop."
  echo
fi
build/handoffctl -c "$config" watch "$@"

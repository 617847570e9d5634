#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, then runs the
# gateway with a simulated city and opens `handoffctl watch` in the foreground:
# the dispatcher console on a terminal (q quits), else alert lines (Ctrl-C).
# Arguments go to watch (--lines, --json, --units). A PCSO presses the
# emergency button about 8 s after start (and again 20 s later). Leaving watch
# stops everything. Logs: state/demo-handoffd.log, state/demo-sim.log.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

config=config/handoff.yaml
build/handoffd -c "$config" --check
mkdir -p state

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
  echo "  build/handoffctl ack 1             # stops the escalation; the radio gets an SDS"
  echo "  build/handoffctl assign 1 \"PC 5002\"  # the radio hears who is coming, how far"
  echo "Ctrl-C to stop."
  echo
fi
build/handoffctl -c "$config" watch "$@"

#!/usr/bin/env bash
# Installs the Debian 12 packages handoff needs to build, run, test and fuzz.
# Idempotent: installs only what is missing (and runs apt-get update only then).
# Used by both README commands and by CI. Needs root or sudo.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config gcc
  # libraries (see README "Design notes" for why each)
  libuv1-dev libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
  libfyaml-dev libjansson-dev libgps-dev
  # the journal: SQLite (WAL) and libsodium's SHA-256 for the timeline hash chain
  libsqlite3-dev libsodium-dev
  # places (areas and flagged locations): polygons through GEOS's reentrant C API
  libgeos-dev
  # running under systemd: sd_notify (readiness, reload, watchdog); systemd-analyze
  # verifies the unit in the tests
  libsystemd-dev systemd
  # handoffctl watch's dispatcher console
  libncurses-dev
  # tests: unit tests, sanitizers, fuzzing
  libcriterion-dev clang libclang-rt-14-dev llvm
  # integration tests: a client in another language, real gpsd
  python3 python3-zmq python3-protobuf protobuf-compiler gpsd gpsd-tools
  # gpsfake (a real gpsd fed by NMEA logs) is in gpsd-clients, not gpsd-tools
  gpsd-clients
  # the console's test renders the terminal it drew (a VT100 emulator in Python)
  python3-pyte
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

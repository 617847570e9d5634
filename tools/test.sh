#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test
# (unit tests and integration tests with real processes) and prints a closing
# line "tests: N passed, M failed". Extra arguments go to `meson setup` (CI uses
# this for the sanitizer build), e.g.:
#   tools/test.sh                         # build/ with gcc
#   CC=clang tools/test.sh -Db_sanitize=address,undefined --builddir build-asan
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=build
setup_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --builddir) builddir="$2"; shift 2 ;;
    *) setup_args+=("$1"); shift ;;
  esac
done

tools/install-deps.sh
if [ -d "$builddir" ]; then
  meson setup --reconfigure "$builddir" "${setup_args[@]}" >/dev/null
else
  meson setup "$builddir" "${setup_args[@]}"
fi
ninja -C "$builddir"

rc=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 || rc=$?

# Closing line from meson's JSON test log, in the plain "N passed, M failed" form.
/usr/bin/python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1
    else: failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc

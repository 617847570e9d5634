#!/bin/sh
# tools/bench.sh - issue 7's benchmark suite, one command: builds a release
# build in build-bench/ (separate from build/), runs every figure against a
# real handoffd beside a baseline measured in the same run, and prints one
# Markdown table (figure | measured | baseline | target | PASS/MISS).
#
#   tools/bench.sh [--quick] [--out FILE]
#
# --quick: fewer records and samples (about 30 s instead of about a minute).
# HF_BENCH_PIN=0: no CPU pinning (default: handoffd on CPU 1, generators and
# subscribers on CPU 0). HF_BENCH_BUILD=DIR: another build directory.
# Everything the helpers print goes to build-bench/bench.log. Speed is never
# asserted: a MISS is a figure to look at, and the exit status is 0.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${HF_BENCH_BUILD:-$src/build-bench}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" -Dbuildtype=release -Dtests=disabled >/dev/null
fi
nice ninja -C "$build" handoffd tests/bench/bench_ingest tests/bench/bench_emergency \
	tests/bench/bench_nearest tests/bench/bench_recovery >/dev/null
buildtype=$(meson introspect --buildoptions "$build" |
	/usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))')
exec /usr/bin/python3 "$src/tests/bench/bench_all.py" --build "$build" --buildtype "$buildtype" "$@"

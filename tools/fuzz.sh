#!/usr/bin/env bash
# Builds every libFuzzer target (clang, ASan + UBSan) and runs each for SECONDS
# (default 60) on a scratch copy of its seed corpus in tests/fuzz/corpus/<name>.
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]      e.g. tools/fuzz.sh 1800 fuzz_lip
# Crashes are saved as build-fuzz/crash-* and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true

tools/install-deps.sh >/dev/null
if [ ! -d build-fuzz ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for t in build-fuzz/tests/fuzz/fuzz_*; do
    # executables only (meson's fuzz_*.p object directories match the glob too)
    [ -f "$t" ] && [ -x "$t" ] && targets+=("$(basename "$t")")
  done
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  work=$(mktemp -d)
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  echo "fuzz: $t for ${seconds}s"
  if ! build-fuzz/tests/fuzz/"$t" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix=build-fuzz/ "$work" 2> "build-fuzz/$t.log"; then
    echo "fuzz: $t FAILED; see build-fuzz/$t.log and build-fuzz/crash-*" >&2
    tail -30 "build-fuzz/$t.log" >&2
    failed=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/$t.log" | sed "s/^/  $t: /"
  rm -rf "$work"
done
exit $failed

#!/usr/bin/env bash
# Builds every libFuzzer target in build-fuzz/ (clang, ASan + UBSan) and runs each for N seconds
# starting from its seed corpus fuzz/corpus/<fuzzer>/. Exits non-zero if any fuzzer finds a crash.
#
# Usage: scripts/fuzz.sh [--seconds N] [fuzzer-name ...]
#
# build-fuzz is configured as
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DLEARNFLOW_FUZZ=ON -DLEARNFLOW_TESTS=OFF \
#     -DLEARNFLOW_BENCH=OFF -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
# The global fuzzer-no-link flags instrument every library a fuzzer links (lf_http, lf_yaml, ...);
# only the fuzzer executables themselves link libFuzzer's main (fuzz/CMakeLists.txt).
# New inputs go to build-fuzz/corpus/<fuzzer>/ (the checked-in seeds are never modified);
# crash reproducers to build-fuzz/artifacts/<fuzzer>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
selected=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) selected+=("$1"); shift ;;
  esac
done

build=build-fuzz
sanitizers="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
if [ ! -f "$build/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  # RelWithDebInfo without -DNDEBUG: library assertions (Beast's included) stay on while fuzzing.
  CC=clang CXX=clang++ cmake -S . -B "$build" "${generator[@]}" \
    -DLEARNFLOW_FUZZ=ON -DLEARNFLOW_TESTS=OFF -DLEARNFLOW_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="$sanitizers" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g"
fi
cmake --build "$build" -j"${LEARNFLOW_JOBS:-2}" --target lf_fuzzers

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
found=0
for binary in "$build"/fuzz/*; do
  [ -x "$binary" ] && [ -f "$binary" ] || continue
  name=$(basename "$binary")
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " == *" $name "* ]]; then continue; fi
  found=$((found + 1))
  work="$build/corpus/$name"
  artifacts="$build/artifacts/$name/"
  mkdir -p "$work" "$artifacts"
  corpora=("$work")
  [ -d "fuzz/corpus/$name" ] && corpora+=("fuzz/corpus/$name")
  log="$build/$name.log"
  echo "== $name: ${seconds}s"
  if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts" "${corpora[@]}" >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|Done [0-9]+ runs" "$log" | tail -2 || true
  else
    echo "!! $name failed; reproducer(s) in $artifacts, log $log:"
    tail -40 "$log"
    status=1
  fi
done
if [ "$found" -eq 0 ]; then
  echo "no fuzzers found in $build/fuzz" >&2
  exit 1
fi
exit $status

#!/usr/bin/env bash
# The README's test command: setup, build, then every test — unit, integration (real Kafka,
# PostgreSQL, Prometheus, sidecars), fuzz smoke runs. Exits non-zero when anything fails; each
# ctest run prints its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
export LEARNFLOW_BIN_DIR="$PWD/build/bin"

status=0
echo "== unit tests"
ctest --test-dir build --label-exclude integration --output-on-failure --timeout 300 -j2 || status=1

echo "== integration tests (real processes; a failing test is run once more before it counts)"
ctest --test-dir build --label-regex integration --output-on-failure --timeout 600 -j2 --repeat until-pass:2 || status=1

if [ -f fuzz/CMakeLists.txt ]; then
  echo "== fuzz smoke run"
  scripts/fuzz.sh --seconds "${LEARNFLOW_FUZZ_SECONDS:-20}" || status=1
fi
exit $status

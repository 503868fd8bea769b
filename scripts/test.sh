#!/usr/bin/env bash
# The README's test command: setup, build, then every test (unit, integration, fuzz smoke, end-to-end).
# Exits non-zero when anything fails; ctest prints its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
export LEARNFLOW_BIN_DIR="$PWD/build/bin"

status=0
echo "== unit and integration tests (ctest)"
ctest --test-dir build --output-on-failure --timeout 600 -j2 || status=1

if [ -f fuzz/CMakeLists.txt ]; then
  echo "== fuzz smoke run"
  scripts/fuzz.sh --seconds "${LEARNFLOW_FUZZ_SECONDS:-20}" || status=1
fi
exit $status

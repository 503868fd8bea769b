#!/usr/bin/env bash
# Browser test of the dashboards viewer (src/dashboards) and of the dashboard queries
# (deploy/monitoring/dashboards): starts the platform with `learnflow up -d` in a temporary state
# directory, runs dashboards.test.mjs (playwright-core from tests/ui + Debian's chromium, headless)
# and always runs `learnflow down` afterwards (trap), also on failure.
# Exit 77 = skipped (ctest SKIP_RETURN_CODE). Screenshots: test-artifacts/dashboards/ in the source tree.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="${LEARNFLOW_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
bin_dir="${LEARNFLOW_BIN_DIR:-$source_dir/build/bin}"
product_bin_dir="${LEARNFLOW_PLATFORM_BIN_DIR:-$bin_dir}"
ui_modules="$source_dir/tests/ui/node_modules"

if [ ! -d "$ui_modules/playwright-core" ]; then
  echo "SKIPPED: tests/ui/node_modules is absent (run scripts/setup.sh, or npm install in tests/ui)"
  exit 77
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "SKIPPED: /usr/bin/chromium is not installed (apt-get install chromium)"
  exit 77
fi
if [ ! -x /usr/bin/prometheus ]; then
  echo "SKIPPED: /usr/bin/prometheus is not installed (apt-get install prometheus)"
  exit 77
fi
for binary in "$bin_dir/learnflow" "$product_bin_dir"/{learnflow-sidecar,course-agent,user-progress,learnflow-frontend}; do
  [ -x "$binary" ] || { echo "FAILED: $binary is not built"; exit 1; }
done

work="$(mktemp -d /tmp/lf-dashboards-e2e-XXXXXX)"
state="$work/.learnflow"
cleanup() {
  local code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 77 ]; then
    echo "== failed (exit $code) after ${SECONDS}s; platform status and supervisor log tail:"
    "$bin_dir/learnflow" status --state-dir "$state" 2>&1 || true
    tail -n 40 "$state/logs/supervisor.log" 2>/dev/null || true
  fi
  "$bin_dir/learnflow" down --state-dir "$state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bin_dir/learnflow" up -d -f "$source_dir/deploy" --state-dir "$state" --bin-dir "$product_bin_dir" \
  --frontend-port 0 --prometheus-port 0 --metrics-port 0 --ready-timeout 120
echo "platform up after ${SECONDS}s"
"$bin_dir/learnflow" status -o json --state-dir "$state" > "$work/status.json"

cd "$here"
LEARNFLOW_STATUS_JSON="$work/status.json" \
  LEARNFLOW_DASHBOARDS_DIR="$source_dir/deploy/monitoring/dashboards" \
  LEARNFLOW_DASHBOARDS_ARTIFACTS="$source_dir/test-artifacts/dashboards" \
  node --test --test-reporter=spec dashboards.test.mjs

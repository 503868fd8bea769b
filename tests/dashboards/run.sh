#!/usr/bin/env bash
# Browser test of the dashboards viewer (src/dashboards) and of the dashboard queries
# (deploy/monitoring/dashboards): runs dashboards.test.mjs (playwright-core from tests/ui + Debian's
# chromium, headless) against a platform started by tests/support/browser_platform.sh.
# Screenshots: test-artifacts/dashboards/ in the source tree.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work_name=lf-dashboards-e2e
source "$here/../support/browser_platform.sh"
"$bin_dir/learnflow" status -o json --state-dir "$state" > "$work/status.json"

cd "$here"
LEARNFLOW_STATUS_JSON="$work/status.json" \
  LEARNFLOW_DASHBOARDS_DIR="$source_dir/deploy/monitoring/dashboards" \
  LEARNFLOW_DASHBOARDS_ARTIFACTS="$source_dir/test-artifacts/dashboards" \
  node --test --test-reporter=spec dashboards.test.mjs

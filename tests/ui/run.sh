#!/usr/bin/env bash
# Browser test of the web UI (issue 4, "Must show"): runs ui.test.mjs (playwright-core + Debian's
# chromium, headless) against the frontend of a platform started by tests/support/browser_platform.sh
# (the test freezes and thaws backend processes itself, through `learnflow status`).
# Screenshots: test-artifacts/ui/ in the source tree.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work_name=lf-ui-e2e
source "$here/../support/browser_platform.sh"
frontend="$("$bin_dir/learnflow" status -o json --state-dir "$state" | node -e '
  let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
    const service = JSON.parse(text).services.find((s) => s.name === "learnflow-frontend");
    process.stdout.write(service ? service.url : "");
  });')"
[ -n "$frontend" ] || { echo "FAILED: no learnflow-frontend Service in learnflow status"; exit 1; }

cd "$here"
LEARNFLOW_UI_FRONTEND_URL="$frontend" LEARNFLOW_UI_ARTIFACTS="$source_dir/test-artifacts/ui" \
  LEARNFLOW_UI_CLI="$bin_dir/learnflow" LEARNFLOW_UI_STATE_DIR="$state" \
  node --test --test-reporter=spec ui.test.mjs

#!/usr/bin/env bash
# Browser test of the web UI (issue 4, "Must show"): starts the platform with `learnflow up -d` in a
# temporary state directory, runs ui.test.mjs (playwright-core + Debian's chromium, headless)
# against its frontend (the test freezes and thaws backend processes itself, through
# `learnflow status`), and always runs `learnflow down` afterwards (trap), also on failure.
# Exit 77 = skipped (ctest SKIP_RETURN_CODE). Screenshots: test-artifacts/ui/ in the source tree.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="${LEARNFLOW_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
bin_dir="${LEARNFLOW_BIN_DIR:-$source_dir/build/bin}"
product_bin_dir="${LEARNFLOW_PLATFORM_BIN_DIR:-$bin_dir}"

if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "SKIPPED: tests/ui/node_modules is absent (run scripts/setup.sh, or npm install in tests/ui)"
  exit 77
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "SKIPPED: /usr/bin/chromium is not installed (apt-get install chromium)"
  exit 77
fi
for binary in "$bin_dir/learnflow" "$product_bin_dir"/{learnflow-sidecar,course-agent,user-progress,learnflow-frontend}; do
  [ -x "$binary" ] || { echo "FAILED: $binary is not built"; exit 1; }
done

work="$(mktemp -d /tmp/lf-ui-e2e-XXXXXX)"
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

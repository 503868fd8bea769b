# Sourced by the browser tests (tests/ui/run.sh, tests/dashboards/run.sh): checks what a browser
# test needs (exit 77 = skipped, ctest SKIP_RETURN_CODE), starts the platform with
# `learnflow up -d` in a temporary state directory on OS-chosen ports, and always runs
# `learnflow down` on exit (trap), printing status and the supervisor log when the test failed.
# Before sourcing: `here` (the test's folder) and `work_name` (prefix of the temporary directory).
# After it: source_dir, bin_dir, state, work, SECONDS since the start.
source_dir="${LEARNFLOW_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
bin_dir="${LEARNFLOW_BIN_DIR:-$source_dir/build/bin}"
product_bin_dir="${LEARNFLOW_PLATFORM_BIN_DIR:-$bin_dir}"

if [ ! -d "$source_dir/tests/ui/node_modules/playwright-core" ]; then
  echo "SKIPPED: tests/ui/node_modules is absent (run scripts/setup.sh, or npm install in tests/ui)"
  exit 77
fi
for tool in chromium prometheus; do
  if [ ! -x "/usr/bin/$tool" ]; then
    echo "SKIPPED: /usr/bin/$tool is not installed (apt-get install $tool)"
    exit 77
  fi
done
for binary in "$bin_dir/learnflow" "$product_bin_dir"/{learnflow-sidecar,course-agent,user-progress,learnflow-frontend}; do
  [ -x "$binary" ] || { echo "FAILED: $binary is not built"; exit 1; }
done

work="$(mktemp -d "/tmp/$work_name-XXXXXX")"
state="$work/.learnflow"
browser_platform_cleanup() {
  local code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 77 ]; then
    echo "== failed (exit $code) after ${SECONDS}s; platform status and supervisor log tail:"
    "$bin_dir/learnflow" status --state-dir "$state" 2>&1 || true
    tail -n 40 "$state/logs/supervisor.log" 2>/dev/null || true
  fi
  "$bin_dir/learnflow" down --state-dir "$state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap browser_platform_cleanup EXIT

"$bin_dir/learnflow" up -d -f "$source_dir/deploy" --state-dir "$state" --bin-dir "$product_bin_dir" \
  --frontend-port 0 --prometheus-port 0 --metrics-port 0 --ready-timeout 120
echo "platform up after ${SECONDS}s"

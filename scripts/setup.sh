#!/usr/bin/env bash
# Installs everything LearnFlow needs on Debian 12, idempotently.
# Called by both README commands and by .ci/run, so a fresh machine needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

debian_packages=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates
  libboost-dev libboost-system-dev libboost-context-dev
  libyaml-cpp-dev librdkafka-dev nlohmann-json3-dev libcli11-dev
  libsqlite3-dev sqlite3 libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  openjdk-17-jre-headless
  prometheus postgresql
  haproxy wrk
  chromium nodejs
  procps psmisc iproute2 jq
)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's prometheus and postgresql packages start system services; LearnFlow runs its own
# instances on free ports, so the system ones are stopped to keep ports and CPU free.
for svc in prometheus postgresql; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  fi
done

# Kafka broker artifacts (Maven Central) into the shared cache.
scripts/fetch-kafka.sh

# Browser-test driver (playwright-core only; the browser is Debian's chromium).
if [ -f tests/ui/package.json ] && [ ! -d tests/ui/node_modules/playwright-core ]; then
  (cd tests/ui && npm install --no-audit --no-fund --silent)
fi
[ -d src/dashboards/web/node_modules/uplot ] || (cd src/dashboards/web && npm install --no-audit --no-fund --silent)  # dashboards viewer's charts
echo "setup: done"

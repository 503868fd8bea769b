#!/usr/bin/env bash
# The README's first command: a fresh clone to a running platform. Installs dependencies
# (scripts/setup.sh), builds every binary into build/bin (scripts/build.sh), then runs the
# manifests in deploy/ with `learnflow up` in the foreground (Ctrl-C stops everything; data
# stays in .learnflow/). Extra arguments go to `learnflow up`, e.g. `scripts/up.sh -d`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/bin/learnflow up -f deploy "$@"

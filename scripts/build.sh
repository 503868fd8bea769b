#!/usr/bin/env bash
# Configures and builds every binary into build/bin/ (warnings are errors in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones (CI builds a fresh clone in another folder on the same machine).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DLEARNFLOW_WERROR=$werror
else
  cmake -S . -B build -DLEARNFLOW_WERROR=$werror >/dev/null
fi
cmake --build build -j"${LEARNFLOW_JOBS:-2}"

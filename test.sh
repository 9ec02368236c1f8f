#!/usr/bin/env bash
# Runs every AfmEdge test project. Installs what the tests need when it is missing (Debian packages), then
# `dotnet test` on the solution, and ends with one line of totals: "N passed, N failed[, N skipped]".
# Slow, GPU, hardware and benchmark tests are left out unless AFMEDGE_TEST_ALL=1.
set -uo pipefail
cd "$(dirname "$0")"

packages=()
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || packages+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || packages+=(mosquitto-clients)
# The Gwyddion test oracle (tests/gwyddion-oracle): Gwyddion's modules, its headers, and a C toolchain.
ls -d /usr/lib/*/gwyddion/modules >/dev/null 2>&1 || packages+=(gwyddion)
[ -f /usr/include/gwyddion/libgwyddion/gwyddion.h ] || packages+=(libgwyddion20-dev)
[ -f /usr/include/glib-2.0/glib.h ] || packages+=(libglib2.0-dev)
command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
command -v gcc >/dev/null 2>&1 || packages+=(gcc)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test.sh: installing ${packages[*]}"
  $sudo apt-get update -qq || { echo "test.sh: apt-get update failed" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null \
    || { echo "test.sh: apt-get install ${packages[*]} failed" >&2; exit 1; }
fi

# Tests that compare with Gwyddion find the oracle at tests/gwyddion-oracle/bin/gwy-oracle (git-ignored).
tests/gwyddion-oracle/build.sh || { echo "test.sh: building the Gwyddion oracle failed" >&2; exit 1; }

filter=()
if [ "${AFMEDGE_TEST_ALL:-0}" != "1" ]; then
  for category in Slow Gpu Hardware Benchmark; do
    filter+=(--filter-not-trait "Category=$category")
  done
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Exit code 8 means "a test project ran zero tests" (all of them filtered out, e.g. GPU-only); the totals decide.
dotnet test --solution AfmEdge.sln "${filter[@]}" --ignore-exit-code 8 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The testing platform prints one "Test run summary" block for the whole solution run.
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
total=$(count total); failed=$(count failed); passed=$(count succeeded); skipped=$(count skipped)

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"

if [ "$status" -ne 0 ] || [ "$failed" -gt 0 ]; then
  exit 1
fi
if [ "$total" -eq 0 ] || [ "$passed" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi

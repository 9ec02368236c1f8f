#!/usr/bin/env bash
# Builds the Gwyddion test oracle into tests/gwyddion-oracle/bin/gwy-oracle (git-ignored).
# Needs Debian's gwyddion, libgwyddion20-dev, libglib2.0-dev, pkg-config and gcc (./test.sh installs them).
# Only GLib-level Gwyddion headers are used, so GTK's development headers are not needed. The file modules
# resolve libgwyapp2 symbols through the program, so it is linked even though the oracle calls none of it.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p bin
inc=/usr/include/gwyddion
[ -f "$inc/libgwyddion/gwyddion.h" ] || { echo "build.sh: $inc not found (apt-get install libgwyddion20-dev)" >&2; exit 1; }
# shellcheck disable=SC2046 # pkg-config output is a list of flags.
gcc -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter -Wno-deprecated-declarations -o bin/gwy-oracle.tmp oracle.c \
  -I"$inc" $(pkg-config --cflags --libs glib-2.0 gobject-2.0 gmodule-2.0) \
  -Wl,--no-as-needed -lgwyapp2 -lgwymodule2 -lgwydgets2 -lgwydraw2 -lgwyprocess2 -lgwyddion2 -lm
mv bin/gwy-oracle.tmp bin/gwy-oracle

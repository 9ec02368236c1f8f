#!/usr/bin/env bash
# Builds a self-contained afmedge for the ARM board (default linux-arm64) into out/<rid>/, or into the
# folder given as the second argument (relative to the caller's directory).
# Copy that folder to the board (e.g. /opt/afmedge) with device-config/ and install deploy/afmedge.service.
# Usage: deploy/publish.sh [RID] [OUTPUT-FOLDER]
set -euo pipefail
out=""
if [ -n "${2:-}" ]; then
  mkdir -p "$2"
  out="$(cd "$2" && pwd)"
fi
cd "$(dirname "$0")/.."
rid="${1:-linux-arm64}"
out="${out:-out/$rid}"
dotnet publish src/AfmEdge.Cli/AfmEdge.Cli.csproj -c Release -r "$rid" --self-contained true \
  -p:PublishSingleFile=false -p:DebugType=none -o "$out"
mkdir -p "$out/device-config"
cp device-config/*.json "$out/device-config/"
echo "published $out ($(du -sh "$out" | cut -f1))"

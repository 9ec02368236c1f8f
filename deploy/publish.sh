#!/usr/bin/env bash
# Builds a self-contained afmedge for the ARM board (default linux-arm64) into out/<rid>/.
# Copy that folder to the board (e.g. /opt/afmedge) with device-config/ and install deploy/afmedge.service.
set -euo pipefail
cd "$(dirname "$0")/.."
rid="${1:-linux-arm64}"
out="out/$rid"
dotnet publish src/AfmEdge.Cli/AfmEdge.Cli.csproj -c Release -r "$rid" --self-contained true \
  -p:PublishSingleFile=false -p:DebugType=none -o "$out"
mkdir -p "$out/device-config"
cp device-config/*.json "$out/device-config/"
echo "published $out ($(du -sh "$out" | cut -f1))"

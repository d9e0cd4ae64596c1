#!/usr/bin/env bash
# Render a qualcode HTML report in headless Chromium and save a full-page PNG, to check by eye
# what a reader sees. Usage: scripts/screenshot_report.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
# Needs Debian's chromium (apt-get install chromium). Nothing is fetched: the report is
# self-contained and the flags keep Chromium off the network.
set -euo pipefail
report=$(realpath "$1"); out=$(realpath -m "$2"); width=${3:-1400}; height=${4:-4000}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size="${width},${height}" \
  --screenshot="$out" "file://$report" >/dev/null 2>&1
echo "$out"

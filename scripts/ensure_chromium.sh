#!/usr/bin/env bash
# Make sure a headless Chromium is installed for the report tests (Debian's `chromium` package).
# Idempotent: does nothing when Chromium is already there; installs it with apt-get only when missing
# and this user may (root, or passwordless sudo). Never fails the caller: without Chromium the report
# test skips and says why.
set -uo pipefail

find_chromium() {
    for candidate in "${JOURNEY_CHROMIUM:-}" chromium chromium-browser google-chrome; do
        if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if found=$(find_chromium); then
    echo "chromium: $found"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium: not installed and apt-get is not available; the report's browser test will skip" >&2
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "chromium: not installed and this user cannot run apt-get (not root, no sudo);" \
        "the report's browser test will skip. Install it with: sudo apt-get install -y chromium" >&2
    exit 0
fi

echo "chromium: installing Debian's chromium package (once) ..."
export DEBIAN_FRONTEND=noninteractive
if "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq chromium >/dev/null; then
    echo "chromium: $(find_chromium || echo 'installed, but not found on PATH')"
else
    echo "chromium: apt-get could not install chromium; the report's browser test will skip" >&2
fi
exit 0

#!/usr/bin/env bash
# Debian packages the portal needs outside Python: Pango and fonts for
# WeasyPrint (co-branded PDFs), gettext to compile interface translations,
# Chromium for the browser tests (Playwright drives Debian's build: its own
# browser download is not used).
# Installs only what is missing; run by `make install`.
set -euo pipefail

PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext chromium)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

if ! command -v apt-get >/dev/null; then
    echo "system-packages: apt-get not found; install these packages by hand: ${missing[*]}" >&2
    exit 1
fi
if [[ "$(id -u)" != 0 ]]; then
    echo "system-packages: run as root (or install by hand): apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "system-packages: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null

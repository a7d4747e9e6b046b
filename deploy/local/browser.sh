#!/usr/bin/env bash
# Installs the headless browser the page-rendering tests use (internal/browsertest): Debian's
# `chromium` package at /usr/bin/chromium, and a CJK font (fonts-wqy-microhei) so that
# screenshots of the Chinese pages show characters rather than boxes. Idempotent: installs
# only what is missing and runs `apt-get update` at most once.
#
#   deploy/local/browser.sh          install if missing, then print the browser's version
#
# Needs root (or sudo) and the Debian package mirror; nothing else is downloaded.
set -euo pipefail

BROWSER=/usr/bin/chromium

missing=()
[ -x "$BROWSER" ] || missing+=(chromium)
if command -v fc-list >/dev/null && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
	missing+=(fonts-wqy-microhei)
elif ! command -v fc-list >/dev/null && [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
	missing+=(fonts-wqy-microhei)
fi

if [ ${#missing[@]} -gt 0 ]; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "browser.sh: run as root or install sudo to install ${missing[*]}" >&2; exit 1; }
		SUDO=sudo
	fi
	command -v apt-get >/dev/null || { echo "browser.sh: apt-get not found; install Debian's ${missing[*]} by hand" >&2; exit 1; }
	echo "browser.sh: installing Debian packages: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x "$BROWSER" ] || { echo "browser.sh: $BROWSER still missing after installing chromium" >&2; exit 1; }
"$BROWSER" --version 2>/dev/null || true

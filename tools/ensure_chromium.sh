#!/usr/bin/env bash
# The browser test drives Debian's Chromium. Install it when it is missing and we may (root with
# apt-get); otherwise say how, and let the browser test fail with the same advice.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser test (apt-get)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        && exit 0
fi
echo "chromium is not installed: run 'sudo apt-get install chromium' (Debian/Ubuntu) so the browser test can run." >&2
exit 0

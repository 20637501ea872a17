#!/usr/bin/env bash
# The hub test (configurable-http-proxy), the static site (MathJax 3) and the accessibility audits
# (axe-core) take tools from npm. Install Node.js and npm when they are missing and we may (root with
# apt-get); otherwise say how.
set -u
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's nodejs and npm for the course's npm tools (apt-get)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
        && exit 0
fi
echo "Node.js and npm are not installed: run 'sudo apt-get install nodejs npm' (Debian/Ubuntu), then retry." >&2
exit 1

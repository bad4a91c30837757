#!/usr/bin/env bash
# The console's browser tests drive Debian's `chromium` (/usr/bin/chromium) with playwright-core.
# Install it when it is missing and we may (root with apt-get); otherwise say what to install.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing: installing Debian's chromium package for the console tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
  exit 0
fi
echo "The console tests need Chromium at /usr/bin/chromium (Debian: apt-get install chromium)." >&2
exit 1

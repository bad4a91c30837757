#!/usr/bin/env bash
# The PostgreSQL adapter's tests start their own PostgreSQL servers (initdb in temp dirs, on free
# loopback ports). They need Debian's `postgresql` package: install it when it is missing and we
# may (root with apt-get); otherwise say what to install. The system cluster is never used.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL is missing: installing Debian's postgresql package for the tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
  exit 0
fi
echo "The tests need PostgreSQL's server binaries (Debian: apt-get install postgresql)." >&2
exit 1

#!/usr/bin/env bash
# The storage tests run on PostgreSQL too: make sure the local server answers (these machines ship one on
# 127.0.0.1:5432 with trust auth; it is started here if it was stopped).
set -euo pipefail
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && exit 0; sleep 1; done
echo "PostgreSQL is not reachable on 127.0.0.1:5432: the PostgreSQL tests will fail in CI." >&2
exit 0

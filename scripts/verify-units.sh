#!/usr/bin/env bash
# verify-units.sh: systemd-analyze verify on packaging/systemd/*, run by
# .ci/run. The units name /usr/bin/mailsetup and man:mailsetup(1), which a
# build machine has not installed: the check runs on a copy whose ExecStart
# points at a freshly built binary, without the man page check.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null 2>&1; then
  if [ "${CI:-}" = 1 ]; then
    echo "verify-units: systemd-analyze not found: install the Debian package systemd" >&2
    exit 1
  fi
  echo "verify-units: systemd-analyze not found (Debian package systemd): skipped"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/mailsetup" ./cmd/mailsetup
for u in packaging/systemd/*.service packaging/systemd/*.timer; do
  sed "s|/usr/bin/mailsetup|$tmp/mailsetup|g" "$u" >"$tmp/$(basename "$u")"
done
# Fail on any warning, not only on errors.
out=$(systemd-analyze verify --man=no "$tmp"/*.service "$tmp"/*.timer 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "verify-units: ok ($(ls packaging/systemd | tr '\n' ' '))"

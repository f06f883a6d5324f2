#!/usr/bin/env bash
# Runs each fuzz target for a short fixed time (FUZZTIME, default 10s), one
# target per `go test` (Go fuzzes one target per invocation). A failure
# stops the script; the input that failed is written by Go under the
# package's testdata/fuzz/FuzzX/ — commit it with the fix, so that plain
# `go test` replays it from then on.
#
#   bash .ci/fuzz.sh                 # every target, 10s each
#   FUZZTIME=2m bash .ci/fuzz.sh     # longer
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10s}"

# package target — the config loader, the POP3 response reader, the
# redacting trace writer, the secret scrubber, the IMAP folder-name
# translation and the sanitizer for text from outside.
targets=(
  "./config FuzzParse"
  "./mailconn/pop3 FuzzReadResponse"
  "./mailconn FuzzTraceRedaction"
  "./mailconn/internal/redact FuzzReplace"
  "./mailconn FuzzFolderNames"
  "./internal/safetext FuzzClean"
)

for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  if ! grep -q "^func $name(" "$pkg"/*_test.go; then
    echo "fuzz.sh: $pkg has no $name" >&2
    exit 1
  fi
  printf '\n=== fuzz %s %s (%s)\n' "$pkg" "$name" "$fuzztime"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
done

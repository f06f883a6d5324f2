#!/usr/bin/env bash
# gen-docs.sh: build mailsetup for this machine and let it write its own man
# page and shell completions (its hidden `man` command and cobra's
# `completion`), for the release archives and the deb/rpm packages.
# goreleaser runs it as a `before` hook; it also runs on its own:
#
#   scripts/gen-docs.sh [OUTDIR]     (default OUTDIR: build)
#
# Writes OUTDIR/man/mailsetup.1.gz and OUTDIR/completions/mailsetup.bash,
# mailsetup.zsh, mailsetup.fish. OUTDIR holds a .gitignore of "*" so the
# generated files never show up in git status.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-build}
die() { printf 'gen-docs: %s\n' "$*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A host binary, whatever GOOS/GOARCH the caller has in its environment.
env -u GOOS -u GOARCH -u GOARM CGO_ENABLED=0 go build -trimpath -o "$tmp/mailsetup" ./cmd/mailsetup ||
  die "go build ./cmd/mailsetup failed"

rm -rf "$out/man" "$out/completions"
mkdir -p "$out/man" "$out/completions"
printf '*\n' >"$out/.gitignore"

# -n: no name or timestamp in the gzip header, so the .gz is reproducible.
"$tmp/mailsetup" man >"$tmp/mailsetup.1" || die "mailsetup man failed"
grep -q '^\.TH MAILSETUP 1 ' "$tmp/mailsetup.1" || die "mailsetup man printed no roff page (.TH MAILSETUP 1 missing)"
# mango puts the root command's Short in the .TH "manual" field, the centre
# of man's header line; a long Short overprints the page name there. Use the
# usual "User Commands" instead (the Short stays in the NAME section).
sed -i 's/^\(\.TH MAILSETUP 1 "[^"]*" "[^"]*"\) ".*"$/\1 "User Commands"/' "$tmp/mailsetup.1"
# pflag usage strings name a flag's argument in backquotes ("config file
# `path`"); cobra's help strips them, mango prints them. Set them in italics,
# the man page convention for an argument, in text lines (not requests).
sed -i '/^\./!s/`\([^`]*\)`/\\fI\1\\fR/g' "$tmp/mailsetup.1"
gzip -n -9 <"$tmp/mailsetup.1" >"$out/man/mailsetup.1.gz"

for sh in bash zsh fish; do
  "$tmp/mailsetup" completion "$sh" >"$out/completions/mailsetup.$sh" ||
    die "mailsetup completion $sh failed"
  [ -s "$out/completions/mailsetup.$sh" ] || die "mailsetup completion $sh printed nothing"
done

printf 'gen-docs: wrote %s/man/mailsetup.1.gz and %s/completions/mailsetup.{bash,zsh,fish}\n' "$out" "$out"

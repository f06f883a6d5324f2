#!/usr/bin/env bash
# release-check.sh: the release engineering check CI runs (see .ci/run).
#
#   scripts/release-check.sh          goreleaser check + a snapshot build for
#                                     this machine; checks the binary's version
#   scripts/release-check.sh --full   also a snapshot release of every archive
#                                     and the deb/rpm, and checks their contents
#
# Installs goreleaser v2.15.1 with `go install` when it is missing or another
# version (2.16 and later fail `check` on deprecated keys). Works offline once
# goreleaser and the module cache are there.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { printf '\nrelease-check: FAIL: %s\n' "$*" >&2; exit 1; }
step() { printf '\n--- %s\n' "$*"; }

GORELEASER_VERSION=v2.15.1
gopath=$(go env GOPATH) || fail "go is not installed"
export PATH="$PATH:$gopath/bin"

full=0
case "${1:-}" in
  "") ;;
  --full) full=1 ;;
  *) fail "unknown argument ${1} (usage: $0 [--full])" ;;
esac

step "goreleaser $GORELEASER_VERSION"
have=""
if command -v goreleaser >/dev/null 2>&1; then
  have=$(goreleaser --version 2>/dev/null | awk '/^GitVersion:/ {print $2}') || true
fi
if [ "${have#v}" != "${GORELEASER_VERSION#v}" ]; then
  echo "installing goreleaser $GORELEASER_VERSION (found: ${have:-none})"
  go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION" ||
    fail "go install goreleaser $GORELEASER_VERSION failed"
  goreleaser=$gopath/bin/goreleaser
else
  goreleaser=$(command -v goreleaser)
fi
have=$("$goreleaser" --version 2>/dev/null | awk '/^GitVersion:/ {print $2}') || true
[ "${have#v}" = "${GORELEASER_VERSION#v}" ] ||
  fail "$goreleaser is version ${have:-unknown}, want $GORELEASER_VERSION"
echo "using $goreleaser ($have)"

# goreleaser reads the commit and date from git, but gives them all up
# (commit "none") when `git ls-remote --get-url` fails, as in a checkout with
# no remote. Name the project's remote for goreleaser's git only, through
# git's environment config: nothing on disk changes.
if ! git ls-remote --get-url >/dev/null 2>&1; then
  i=${GIT_CONFIG_COUNT:-0}
  export "GIT_CONFIG_KEY_$i=remote.origin.url"
  export "GIT_CONFIG_VALUE_$i=https://github.com/mailsetup/mailsetup.git"
  export GIT_CONFIG_COUNT=$((i + 1))
fi

step "goreleaser check"
"$goreleaser" check || fail ".goreleaser.yaml does not pass goreleaser check"

step "goreleaser build --snapshot --clean --single-target"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$goreleaser" build --snapshot --clean --single-target --output "$tmp/mailsetup" ||
  fail "goreleaser snapshot build failed"

step "snapshot binary"
bin=$tmp/mailsetup
[ -x "$bin" ] || fail "goreleaser built no binary at $bin"
out=$("$bin" version) || fail "'mailsetup version' exited non-zero"
echo "$out"
head=$(git rev-parse HEAD)
# mailsetup <version> (commit <sha>, built <RFC 3339 date>) go1.x <os>/<arch>
re='^mailsetup ([0-9]+\.[0-9]+\.[0-9]+[^ ]*) \(commit ([0-9a-f]{7,40}), built ([0-9]{4}-[0-9]{2}-[0-9]{2}T[^)]+)\) go[0-9][^ ]* [a-z0-9]+/[a-z0-9]+$'
[[ $out =~ $re ]] ||
  fail "version output lacks a version, commit and build date (release ldflags not applied?): $out"
case "${BASH_REMATCH[1]}" in *devel*) fail "version is devel: $out" ;; esac
[[ $head == "${BASH_REMATCH[2]}"* ]] ||
  fail "version reports commit ${BASH_REMATCH[2]}, the checkout is at $head"
[ "$("$bin" --version)" = "$out" ] || fail "'mailsetup --version' differs from 'mailsetup version'"
# The build info records the release flags: static, trimmed; and stripped.
settings=$(go version -m "$bin") || fail "go version -m $bin failed"
grep -Eq '^[[:space:]]+build[[:space:]]+CGO_ENABLED=0$' <<<"$settings" || fail "snapshot binary not built with CGO_ENABLED=0"
grep -Eq '^[[:space:]]+build[[:space:]]+-trimpath=true$' <<<"$settings" || fail "snapshot binary not built with -trimpath"
# (-trimpath keeps -ldflags out of the build info; -s shows as no symbols.)
if go tool nm "$bin" >/dev/null 2>&1; then
  fail "snapshot binary has a symbol table: not built with -ldflags -s -w"
fi

step "man page and completions (before hook)"
gzip -t build/man/mailsetup.1.gz || fail "build/man/mailsetup.1.gz is not a valid gzip file"
gzip -dc build/man/mailsetup.1.gz | grep -q '^\.TH ' || fail "build/man/mailsetup.1.gz is not a roff man page"
for sh in bash zsh fish; do
  grep -q mailsetup "build/completions/mailsetup.$sh" || fail "build/completions/mailsetup.$sh is empty or wrong"
done
echo "ok"

if [ "$full" = 1 ]; then
  step "goreleaser release --snapshot --clean --skip=publish"
  "$goreleaser" release --snapshot --clean --skip=publish || fail "goreleaser snapshot release failed"
  bash scripts/check-dist.sh dist || fail "release artefacts in dist/ are incomplete (see above)"
fi

printf '\nrelease-check: ok\n'

#!/usr/bin/env bash
# check-dist.sh: check a goreleaser release's dist/ against PRODUCT.md
# "Release artefacts": every archive by name and content, the checksums, and
# the deb (and rpm, when the rpm tool is installed) by path and mode.
#
#   scripts/check-dist.sh [DIST]      (default DIST: dist)
#
# scripts/release-check.sh --full runs it after a snapshot release.
set -euo pipefail
cd "$(dirname "$0")/.."

dist=${1:-dist}
errors=0
bad() { printf 'check-dist: %s\n' "$*" >&2; errors=$((errors + 1)); }

[ -f "$dist/metadata.json" ] || { bad "$dist/metadata.json missing: run goreleaser release first"; exit 1; }
version=$(grep -o '"version":"[^"]*"' "$dist/metadata.json" | head -1 | cut -d'"' -f4)
[ -n "$version" ] || { bad "no version in $dist/metadata.json"; exit 1; }
echo "version $version"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Archives: os and arch as Go names them, arm as armv7; zip on Windows.
targets="linux_amd64 linux_arm64 linux_armv7 darwin_amd64 darwin_arm64
freebsd_amd64 freebsd_arm64 windows_amd64 windows_arm64"
docs="README.md LICENSE man/mailsetup.1.gz completions/mailsetup.bash completions/mailsetup.zsh completions/mailsetup.fish"
for t in $targets; do
  case $t in
    windows_*) a="$dist/mailsetup_${version}_$t.zip" exe=mailsetup.exe ;;
    *) a="$dist/mailsetup_${version}_$t.tar.gz" exe=mailsetup ;;
  esac
  if [ ! -f "$a" ]; then
    bad "missing archive $a"
    continue
  fi
  before=$errors
  case $a in
    *.zip) list=$(unzip -Z1 "$a") ;;
    *) list=$(tar -tzf "$a") ;;
  esac
  for f in $exe $docs; do
    grep -qxF "$f" <<<"$list" || bad "$a lacks $f"
  done
  # The binary is for the platform the name says, built as a release build.
  case $a in
    *.zip) unzip -p "$a" "$exe" >"$tmp/bin" ;;
    *) tar -xzOf "$a" "$exe" >"$tmp/bin" ;;
  esac
  goos=${t%_*} goarch=${t#*_} goarm=""
  [ "$goarch" = armv7 ] && goarch=arm goarm=7
  info=$(go version -m "$tmp/bin" 2>/dev/null) || { bad "$a: $exe has no Go build info"; continue; }
  for s in "GOOS=$goos" "GOARCH=$goarch" ${goarm:+"GOARM=$goarm"} CGO_ENABLED=0 -trimpath=true; do
    grep -Eq "^[[:space:]]+build[[:space:]]+$s\$" <<<"$info" || bad "$a: $exe not built with $s"
  done
  if [ "$errors" = "$before" ]; then echo "ok $(basename "$a")"; fi
done
n=$(find "$dist" -maxdepth 1 \( -name 'mailsetup_*.tar.gz' -o -name 'mailsetup_*.zip' \) | wc -l)
[ "$n" -eq 9 ] || bad "want 9 archives in $dist, found $n"

# Checksums: every archive and package is listed and matches.
sums="$dist/mailsetup_${version}_checksums.txt"
if [ ! -f "$sums" ]; then
  bad "missing $sums"
else
  before=$errors
  (cd "$dist" && sha256sum --quiet -c "$(basename "$sums")") || bad "checksums in $sums do not match"
  for f in "$dist"/mailsetup_*.tar.gz "$dist"/mailsetup_*.zip "$dist"/*.deb "$dist"/*.rpm; do
    [ -e "$f" ] || continue
    grep -q " $(basename "$f")\$" "$sums" || bad "$sums does not list $(basename "$f")"
  done
  if [ "$errors" = "$before" ]; then echo "ok $(basename "$sums")"; fi
fi

# The packages: paths and modes from PRODUCT.md, /etc/mailsetup at 0700.
want_files="/usr/bin/mailsetup /usr/share/man/man1/mailsetup.1.gz
/usr/share/bash-completion/completions/mailsetup
/usr/share/zsh/vendor-completions/_mailsetup
/usr/share/fish/vendor_completions.d/mailsetup.fish
/usr/lib/systemd/system/mailsetup-check.service
/usr/lib/systemd/system/mailsetup-check.timer"
debs=("$dist"/*_amd64.deb)
if [ ! -f "${debs[0]}" ]; then
  bad "no amd64 .deb in $dist"
else
  deb=${debs[0]}
  list=$(dpkg-deb -c "$deb")
  for f in $want_files; do
    grep -Eq "^-rw[-x]r-[-x]r-[-x] root/root .* \.$f\$" <<<"$list" || bad "$(basename "$deb") lacks $f (root-owned, world-readable)"
  done
  grep -Eq '^-rwxr-xr-x root/root .* \./usr/bin/mailsetup$' <<<"$list" || bad "$(basename "$deb"): /usr/bin/mailsetup is not 0755"
  grep -Eq '^drwx------ root/root .* \./etc/mailsetup/?$' <<<"$list" || bad "$(basename "$deb"): /etc/mailsetup is not a 0700 root directory"
  [ "$(dpkg-deb -f "$deb" Package)" = mailsetup ] || bad "$(basename "$deb"): package name is not mailsetup"
  echo "ok $(basename "$deb")"
fi
for arch in arm64 armhf; do
  ls "$dist"/*_"$arch".deb >/dev/null 2>&1 || bad "no $arch .deb in $dist"
done

rpms=("$dist"/*.x86_64.rpm)
if [ ! -f "${rpms[0]}" ]; then
  bad "no x86_64 .rpm in $dist"
elif command -v rpm >/dev/null 2>&1; then
  rpmf=${rpms[0]}
  list=$(rpm -qlvp "$rpmf" 2>/dev/null)
  for f in $want_files; do
    grep -Eq " $f\$" <<<"$list" || bad "$(basename "$rpmf") lacks $f"
  done
  grep -Eq '^drwx------ .* /etc/mailsetup$' <<<"$list" || bad "$(basename "$rpmf"): /etc/mailsetup is not a 0700 directory"
  echo "ok $(basename "$rpmf")"
else
  [ "$(head -c 4 "${rpms[0]}" | od -An -tx1 | tr -d ' \n')" = edabeedb ] ||
    bad "$(basename "${rpms[0]}") is not an RPM file (no RPM lead magic)"
  echo "ok $(basename "${rpms[0]}") (format only: install the rpm tool to check its contents)"
fi

if [ "$errors" -gt 0 ]; then
  printf 'check-dist: %d problem(s) in %s\n' "$errors" "$dist" >&2
  exit 1
fi
echo "check-dist: ok"

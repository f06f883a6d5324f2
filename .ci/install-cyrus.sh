#!/bin/sh
# install-cyrus.sh: installs what mailconn/cyrustest needs to run Cyrus IMAP
# with Cyrus SASL's NTLM plugin for the SPA (NTLM) tests, keeping Dovecot.
#
# Debian's cyrus-imapd/cyrus-pop3d conflict with dovecot-imapd/dovecot-pop3d
# (apt would silently remove Dovecot), so cyrus-common (master, database
# tools), sasl2-bin (saslpasswd2) and libsasl2-modules (the NTLM plugin) are
# installed normally, and the imapd/pop3d daemons of the same version are
# only unpacked, into $MAILSETUP_CYRUS_DIR (default /var/cache/mailsetup-cyrus),
# where cyrustest finds them. cyrus-common wants a mail transport agent: dma,
# which has no daemon. No system daemon is left running.
#
# Needs root and Debian/Ubuntu apt. Idempotent; re-unpacks when cyrus-common
# changes version.
set -eu

CYRUS_DIR=${MAILSETUP_CYRUS_DIR:-/var/cache/mailsetup-cyrus}
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

pkgs="dma cyrus-common sasl2-bin libsasl2-modules"
# shellcheck disable=SC2086 # word splitting wanted
apt_install $pkgs

# Stop the system's Cyrus master if it started anyway (its own pid file; the
# test rigs' masters have theirs elsewhere and are left alone).
stop_pidfile /run/cyrus-master.pid

# The daemons, unpacked privately at cyrus-common's version.
version=$(dpkg-query -W -f='${Version}' cyrus-common)
stamp="$CYRUS_DIR/version"
bin="$CYRUS_DIR/root/usr/lib/cyrus/bin"
if [ ! -x "$bin/imapd" ] || [ ! -x "$bin/pop3d" ] ||
	[ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true # apt-get download fetches as _apt
	(cd "$tmp" && apt-get download -q "cyrus-imapd=$version" "cyrus-pop3d=$version" >/dev/null)
	rm -rf "$CYRUS_DIR/root"
	mkdir -p "$CYRUS_DIR/root"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$CYRUS_DIR/root"
	done
	rm -rf "$tmp"
	printf '%s\n' "$version" >"$stamp"
fi
chmod 755 "$CYRUS_DIR" "$CYRUS_DIR/root"

keep_dovecot
echo "install-cyrus.sh: cyrus $version ready in $CYRUS_DIR"

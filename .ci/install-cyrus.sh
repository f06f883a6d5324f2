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
export DEBIAN_FRONTEND=noninteractive

# No system daemon may start on the standard mail ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
fi

# Dovecot packages installed now must still be installed at the end.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
dovecot=""
for p in dovecot-imapd dovecot-pop3d; do
	if installed "$p"; then dovecot="$dovecot $p"; fi
done

pkgs="dma cyrus-common sasl2-bin libsasl2-modules"
# shellcheck disable=SC2086 # word splitting wanted
if ! apt-get install -y -q --no-install-recommends $pkgs >/dev/null; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends $pkgs >/dev/null
fi

# Stop the system's Cyrus master if it started anyway (its own pid file; the
# test rigs' masters have theirs elsewhere and are left alone).
if [ -s /run/cyrus-master.pid ]; then
	start-stop-daemon --stop --quiet --oknodo --pidfile /run/cyrus-master.pid \
		--retry TERM/10/KILL/5 2>/dev/null || true
	rm -f /run/cyrus-master.pid
fi

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

for p in $dovecot; do
	if ! installed "$p"; then
		echo "install-cyrus.sh: $p was removed; reinstall it" >&2
		exit 1
	fi
done
echo "install-cyrus.sh: cyrus $version ready in $CYRUS_DIR"

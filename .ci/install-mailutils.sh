#!/bin/sh
# install-mailutils.sh: installs GNU Mailutils' imap4d and pop3d for
# mailconn/mailutilstest, keeping Dovecot.
#
# Debian's mailutils-imap4d and mailutils-pop3d install beside Dovecot (no
# Conflicts); this script checks that no Dovecot package went away anyway.
# policy-rc.d keeps the packages from starting system daemons, and any
# imap4d/pop3d daemon that started anyway is stopped: the tests start their
# own on free loopback ports.
#
# Needs root and Debian/Ubuntu apt. Idempotent: does nothing when both
# daemons are installed.
set -eu
export DEBIAN_FRONTEND=noninteractive

# No system daemon may start on the standard mail ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
dovecot=""
for p in dovecot-imapd dovecot-pop3d; do
	if installed "$p"; then dovecot="$dovecot $p"; fi
done

# openssl hashes the rig users' passwords for its private /etc/shadow.
pkgs="mailutils-imap4d mailutils-pop3d openssl"
need=""
for p in $pkgs; do
	if ! installed "$p"; then need="$need $p"; fi
done
if [ -n "$need" ]; then
	# shellcheck disable=SC2086 # word splitting wanted
	if ! apt-get install -y -q --no-install-recommends $need >/dev/null; then
		apt-get update -q >/dev/null
		apt-get install -y -q --no-install-recommends $need >/dev/null
	fi
fi

# Stop system daemons that started anyway (inetd-style installs start none;
# a daemon run by an init script has its pid file here).
for d in imap4d pop3d; do
	if [ -s "/run/$d.pid" ]; then
		start-stop-daemon --stop --quiet --oknodo --pidfile "/run/$d.pid" \
			--retry TERM/10/KILL/5 2>/dev/null || true
		rm -f "/run/$d.pid"
	fi
done

for p in $dovecot; do
	if ! installed "$p"; then
		echo "install-mailutils.sh: $p was removed; reinstall it" >&2
		exit 1
	fi
done
echo "install-mailutils.sh: mailutils $(dpkg-query -W -f='${Version}' mailutils-imap4d) ready"

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
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

# openssl hashes the rig users' passwords for its private /etc/shadow.
pkgs="mailutils-imap4d mailutils-pop3d openssl"
need=""
for p in $pkgs; do
	if ! installed "$p"; then need="$need $p"; fi
done
if [ -n "$need" ]; then
	# shellcheck disable=SC2086 # word splitting wanted
	apt_install $need
fi

# Stop system daemons that started anyway (inetd-style installs start none;
# a daemon run by an init script has its pid file here).
for d in imap4d pop3d; do
	stop_pidfile "/run/$d.pid"
done

keep_dovecot
echo "install-mailutils.sh: mailutils $(dpkg-query -W -f='${Version}' mailutils-imap4d) ready"

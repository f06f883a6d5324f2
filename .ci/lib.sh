# lib.sh: what the .ci/install-*.sh scripts share. Sourced, not run:
#   . "$(dirname "$0")/lib.sh"
# It blocks system daemons (policy-rc.d) and notes the Dovecot packages
# installed now, which keep_dovecot then checks are still installed.
# Needs root and Debian/Ubuntu apt.

export DEBIAN_FRONTEND=noninteractive

# No system daemon may start on the standard mail ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
fi

# installed PKG: whether dpkg lists PKG as installed.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

# Dovecot packages installed now must still be installed at the end.
dovecot=""
for p in dovecot-imapd dovecot-pop3d; do
	if installed "$p"; then dovecot="$dovecot $p"; fi
done

# keep_dovecot: fails, naming the package, when a Dovecot package installed
# at the start is gone.
keep_dovecot() {
	for p in $dovecot; do
		if ! installed "$p"; then
			echo "${0##*/}: $p was removed; reinstall it" >&2
			exit 1
		fi
	done
}

# apt_install PKG...: installs the packages without recommends, once more
# after `apt-get update` when the package lists are stale (and then sets
# updated=1).
updated=""
apt_install() {
	if ! apt-get install -y -q --no-install-recommends "$@" >/dev/null; then
		apt-get update -q >/dev/null
		updated=1
		apt-get install -y -q --no-install-recommends "$@" >/dev/null
	fi
}

# stop_pidfile FILE: stops the system daemon whose pid FILE holds, if any
# started anyway, and removes FILE.
stop_pidfile() {
	if [ -s "$1" ]; then
		start-stop-daemon --stop --quiet --oknodo --pidfile "$1" \
			--retry TERM/10/KILL/5 2>/dev/null || true
		rm -f "$1"
	fi
}

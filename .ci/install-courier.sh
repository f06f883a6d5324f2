#!/bin/sh
# install-courier.sh: installs what mailconn/couriertest needs to run
# Courier-IMAP and Courier POP3, keeping Dovecot.
#
# Debian's courier-imap and courier-pop Conflict with (and Provide)
# imap-server/pop3-server, so `apt-get install` would remove Dovecot. The
# Courier packages (courier-imap, courier-pop, courier-base, courier-authlib,
# courier-authdaemon, courier-authlib-userdb) are therefore only unpacked,
# into $MAILSETUP_COURIER_DIR/root (default /var/cache/mailsetup-courier),
# where couriertest finds them and bind-mounts their compiled-in paths
# (/etc/courier, /run/courier, /usr/lib/courier, /usr/lib/courier-authlib) in
# a private mount namespace. Their shared-library dependencies, which
# conflict with nothing, are installed normally. The mount points are made
# here as empty folders, and the system user "courier" that couriertls
# drops to is created when missing. No system daemon is started.
#
# Needs root and Debian/Ubuntu apt. Idempotent; re-unpacks when the
# candidate version of courier-imap or courier-pop changes.
set -eu

COURIER_DIR=${MAILSETUP_COURIER_DIR:-/var/cache/mailsetup-courier}
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

# The libraries the unpacked programs link against (util-linux gives
# unshare, which couriertest runs them under).
libs="libcourier-unicode4 libgamin0 libgdbm6 libidn12 libltdl7 libgnutls30 libpcre3 libpam0g libcrypt1 util-linux"
# One dpkg-query for all of them: a package is missing unless it is listed
# as installed.
# shellcheck disable=SC2086 # word splitting wanted
have=$(dpkg-query -W -f='${Package} ${Status}\n' $libs 2>/dev/null | sed -n 's/ install ok installed$//p')
need=""
for p in $libs; do
	case " $(echo $have) " in *" $p "*) ;; *) need="$need $p" ;; esac
done
if [ -n "$need" ]; then
	# shellcheck disable=SC2086 # word splitting wanted
	apt_install $need
fi

# Both candidates from one apt-cache call (it loads the whole cache). apt_install
# set updated=1 when it ran apt-get update; one update is enough.
candidates() {
	apt-cache policy courier-imap courier-pop 2>/dev/null | awk '
		/^[^ ]/ { pkg = $1; sub(":$", "", pkg) }
		/^ *Candidate:/ && $2 != "(none)" { v[pkg] = $2 }
		END { print v["courier-imap"], v["courier-pop"] }'
}
set -- $(candidates)
if [ $# -ne 2 ] && [ -z "$updated" ]; then
	apt-get update -q >/dev/null
	updated=1
	set -- $(candidates)
fi
if [ $# -ne 2 ]; then
	echo "install-courier.sh: apt knows no courier-imap/courier-pop package" >&2
	exit 1
fi
imapv=$1 popv=$2
version="courier-imap=$imapv courier-pop=$popv"

# The packages, unpacked privately.
stamp="$COURIER_DIR/version"
root="$COURIER_DIR/root"
if [ ! -x "$root/usr/bin/imapd" ] || [ ! -x "$root/usr/lib/courier/courier/courierpop3d" ] ||
	[ ! -x "$root/usr/lib/courier/courier-authlib/authdaemond" ] ||
	[ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true # apt-get download fetches as _apt
	if ! (cd "$tmp" && apt-get download -q courier-imap courier-pop courier-base \
		courier-authlib courier-authdaemon courier-authlib-userdb >/dev/null); then
		if [ -n "$updated" ]; then
			rm -rf "$tmp"
			exit 1
		fi
		apt-get update -q >/dev/null
		(cd "$tmp" && apt-get download -q courier-imap courier-pop courier-base \
			courier-authlib courier-authdaemon courier-authlib-userdb >/dev/null)
	fi
	rm -rf "$root"
	mkdir -p "$root"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$tmp"
	printf '%s\n' "$version" >"$stamp"
fi
chmod 755 "$COURIER_DIR" "$root"

# Empty mount points for the compiled-in paths (bind-mounted by the rig in
# its own mount namespace only).
for d in /etc/courier /usr/lib/courier /usr/lib/courier-authlib; do
	[ -d "$d" ] || mkdir -p "$d"
done

# couriertls drops to "courier" after the handshake setup; without the user
# STARTTLS answers OK and then drops the connection.
if ! getent passwd courier >/dev/null; then
	if command -v adduser >/dev/null 2>&1; then
		adduser --system --group --quiet --home /var/lib/courier --no-create-home \
			--disabled-login courier
	else
		groupadd --system courier 2>/dev/null || true
		useradd --system --gid courier --home-dir /var/lib/courier --no-create-home \
			--shell /usr/sbin/nologin courier
	fi
fi

keep_dovecot
echo "install-courier.sh: $version ready in $COURIER_DIR"

#!/bin/sh
# The .deb's postrm part for the local service (build_deb.py embeds it). "remove"
# keeps the school's data and the account: reinstalling brings the same school back.
# Only "purge" (dpkg --purge) deletes /var/lib/tutor-desktop (every student's
# conversations and progress on this PC) and then the account and its group, so no
# file is left owned by a number a later account could get.
# Names can be changed for tests: TUTOR_SERVICE_USER, TUTOR_STATE_DIR.
set -e
user="${TUTOR_SERVICE_USER:-tutor}"
state="${TUTOR_STATE_DIR:-/var/lib/tutor-desktop}"
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload || true
fi
if [ "$1" = "purge" ]; then
    rm -rf "$state"
    if getent passwd "$user" >/dev/null; then
        userdel "$user" || true
    fi
    if getent group "$user" >/dev/null; then
        groupdel "$user" || true
    fi
fi
exit 0

#!/bin/sh
# The .deb's postinst part for the local service (run as root on "configure"):
# a system account and group "tutor" that own /var/lib/tutor-desktop (0700), and
# the unit started. Desktop users join the group to use the tutor:
#     usermod -aG tutor <desktop account>
# Names can be changed for tests: TUTOR_SERVICE_USER, TUTOR_STATE_DIR.
set -e
user="${TUTOR_SERVICE_USER:-tutor}"
state="${TUTOR_STATE_DIR:-/var/lib/tutor-desktop}"
if ! getent group "$user" >/dev/null; then
    groupadd --system "$user"
fi
if ! getent passwd "$user" >/dev/null; then
    useradd --system --gid "$user" --home-dir "$state" --no-create-home \
        --shell /usr/sbin/nologin --comment "Tutor Desktop service" "$user"
fi
mkdir -p "$state"
chown "$user:$user" "$state"
chmod 0700 "$state"
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload || true
    systemctl enable --now tutor-desktop.service || true
fi
exit 0

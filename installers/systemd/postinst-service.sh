#!/bin/sh
# The .deb's postinst part for the local service (root, on "configure"; build_deb.py
# embeds this file in the package's postinst, so it is checked with the package):
# a system account and group "tutor" that own /var/lib/tutor-desktop (0700), then the
# unit enabled on a first install and started where systemd runs. In a container or a
# chroot (no /run/systemd/system) nothing is started and nothing fails: the app then
# runs in-process until IT starts the service. Desktop users join the group to use it:
#     usermod -aG tutor <desktop account>
# Arguments as dpkg passes them: configure [<version being upgraded from>].
# Names can be changed for tests: TUTOR_SERVICE_USER, TUTOR_STATE_DIR.
set -e
user="${TUTOR_SERVICE_USER:-tutor}"
state="${TUTOR_STATE_DIR:-/var/lib/tutor-desktop}"
unit="tutor-desktop.service"
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
if command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
    fi
    # A first install enables the unit (a symlink: works without a running systemd); an
    # upgrade keeps IT's choice, so a service IT disabled stays disabled.
    if [ -z "${2:-}" ]; then
        systemctl enable "$unit" >/dev/null 2>&1 || true
    fi
    if [ -d /run/systemd/system ] && systemctl is-enabled --quiet "$unit" 2>/dev/null; then
        # The app still works in-process if the service fails to start: never fail dpkg.
        systemctl start "$unit" || echo "Tutor Desktop: the service did not start;" \
            "see: systemctl status $unit" >&2
    fi
fi
echo "Tutor Desktop: the service keeps the school's data in $state (account '$user')." \
     "Let desktop accounts use it: usermod -aG $user <account>"
exit 0

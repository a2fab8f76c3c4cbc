#!/bin/sh
# The .deb's prerm part for the local service (build_deb.py embeds it): stop the
# service before its files are removed or replaced (an upgrade starts it again in
# postinst if it is enabled), and on removal disable it while its unit file still
# exists. Without a running systemd there is nothing to stop.
# Arguments as dpkg passes them: remove | upgrade <new version> | deconfigure ...
set -e
unit="tutor-desktop.service"
if ! command -v systemctl >/dev/null 2>&1; then
    exit 0
fi
case "$1" in
    remove|upgrade|deconfigure)
        if [ -d /run/systemd/system ]; then
            systemctl stop "$unit" || true
        fi
        ;;
esac
if [ "$1" = "remove" ]; then
    systemctl disable "$unit" >/dev/null 2>&1 || true
fi
exit 0

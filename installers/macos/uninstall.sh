#!/bin/sh
# Tutor Desktop on macOS: stop and remove the launchd daemon (sudo sh uninstall.sh).
# The school's data and the _tutor account stay unless --purge is given, as with the
# Debian package: --purge deletes every conversation and all progress on this Mac.
set -e
name="_tutor"
root="/Library/Application Support/TutorDesktop"
plist="/Library/LaunchDaemons/org.tutordesktop.service.plist"
launchctl bootout system "$plist" >/dev/null 2>&1 || true
rm -f "$plist"
rm -rf "$root/run"
if [ "${1:-}" = "--purge" ]; then
    rm -rf "$root" /Library/Logs/TutorDesktop
    dscl . -delete "/Users/$name" >/dev/null 2>&1 || true
    dscl . -delete "/Groups/$name" >/dev/null 2>&1 || true
fi
exit 0

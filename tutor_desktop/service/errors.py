"""The errors of the service link itself (the core's own errors cross the wire as they are)."""

from __future__ import annotations

from typing import Any

from tutor_desktop.core.i18n import TutorError


class ServiceUnreachable(TutorError):
    """The socket is named but nobody answers (the service is stopped or starting)."""

    message_id = "service_unreachable"

    def __init__(self, socket: Any) -> None:
        super().__init__(socket=str(socket))


class ServiceSocketDenied(TutorError):
    """The desktop account is not in the service's group: it may not connect."""

    message_id = "service_socket_denied"

    def __init__(self, socket: Any) -> None:
        super().__init__(socket=str(socket))


class NotOfferedByService(TutorError):
    """A feature that does not work through the service yet: said, never a crash."""

    message_id = "service_not_offered"

    def __init__(self, feature: str) -> None:
        super().__init__(feature=feature)


class BadRequest(TutorError):
    """A request the service does not understand or does not allow."""

    message_id = "service_bad_request"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


class SessionUnknown(TutorError):
    """A token the service does not know (it restarted, or the session ended)."""

    message_id = "service_session_unknown"


class SetupNeedsOsAdmin(TutorError):
    """Creating the school through the service, from an account that is not the PC's
    administrator: IT runs ``sudo tutor setup`` (the window cannot make anyone admin)."""

    message_id = "service_setup_needs_admin"

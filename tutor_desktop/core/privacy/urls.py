"""Which host a URL really points at, and where an API key may be sent.

A prefix test such as ``url.startswith("http://localhost")`` accepts
``http://localhost.attacker.example`` and ``http://127.0.0.1@attacker.example``
(the part before ``@`` is a user name; the host is ``attacker.example``). Every
check here parses the URL and looks at the parsed host.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


class UnsafeUrlError(ValueError):
    """The URL would send data in the clear, or is not a plain http(s) URL."""


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1) -- this PC only."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport_url(url: str) -> str:
    """The URL's origin (``scheme://host:port``) if it is safe to send secrets to.

    https anywhere; plain http only to this PC's loopback; never a URL with a
    user name or password in it (it hides the real host from a reader).
    """
    if not isinstance(url, str):
        raise UnsafeUrlError(f"not a URL: {url!r}")
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise UnsafeUrlError(f"not a valid URL: {url!r}") from exc
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise UnsafeUrlError(f"only https:// URLs are allowed, got {url!r}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrlError(f"a URL must not carry a user name or password: {url!r}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise UnsafeUrlError(f"plain http:// is allowed only to this computer, got {url!r}")
    return origin(url)


def origin(url: str) -> str:
    """``scheme://host:port`` with the default port filled in (what a key is bound to)."""
    parts = urlsplit(url.strip())
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{port}"

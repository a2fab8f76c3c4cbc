"""Memory-hard hashing of passwords and PINs with the standard library's scrypt.

A 4-digit PIN has only 10 000 values, so the hash must be expensive to try
*and* the account locks after five wrong tries. Anyone who can copy the
database file can still guess offline, so the cost follows current guidance
for interactive logins (OWASP: scrypt N=2^17, r=8, p=1, 128 MiB per try).
Hashes made with older parameters keep working and are re-made with the
current ones at the next successful sign-in (:func:`needs_rehash`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class ScryptCost:
    """scrypt parameters; memory per hash is 128 * r * n bytes."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    @property
    def memory(self) -> int:
        return 128 * self.r * self.n * self.p


#: What new hashes use. Tests that create many users may inject a cheaper cost
#: into :class:`AccountService`; production code never lowers it.
DEFAULT_COST = ScryptCost()
#: Hash formats before 2026-11 used this (kept for the re-hash tests and docs).
LEGACY_COST = ScryptCost(n=2**14)

_DKLEN = 32
#: Refuse stored parameters beyond this: a tampered row must not make sign-in
#: allocate gigabytes (N=2^20, r=8 is 1 GiB).
_MAX_MEMORY = 512 * 1024 * 1024


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _maxmem(cost: ScryptCost) -> int:
    # OpenSSL's default ceiling is 32 MiB; leave headroom over the working set.
    return cost.memory + 16 * 1024 * 1024


def hash_secret(secret: str, cost: ScryptCost | None = None) -> str:
    """Return ``scrypt$N$r$p$salt$hash`` for ``secret``."""
    cost = cost or DEFAULT_COST
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=cost.n, r=cost.r, p=cost.p,
                            dklen=_DKLEN, maxmem=_maxmem(cost))
    return f"scrypt${cost.n}${cost.r}${cost.p}${_b64(salt)}${_b64(digest)}"


def stored_cost(stored: str) -> ScryptCost | None:
    """The parameters a stored hash was made with (None if it is not ours)."""
    try:
        scheme, n, r, p, _salt, _digest = stored.split("$")
        if scheme != "scrypt":
            return None
        return ScryptCost(int(n), int(r), int(p))
    except ValueError:
        return None


def needs_rehash(stored: str, cost: ScryptCost | None = None) -> bool:
    """True when ``stored`` was made with other parameters than ``cost``."""
    return stored_cost(stored) != (cost or DEFAULT_COST)


def verify_secret(secret: str, stored: str) -> bool:
    """Constant-time check of ``secret`` against a stored hash."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        cost = ScryptCost(int(n), int(r), int(p))
        if cost.memory > _MAX_MEMORY:
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        digest = hashlib.scrypt(
            secret.encode("utf-8"), salt=salt, n=cost.n, r=cost.r, p=cost.p,
            dklen=len(expected), maxmem=_maxmem(cost),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


_DUMMIES: dict[ScryptCost, str] = {}


def dummy_hash(cost: ScryptCost | None = None) -> str:
    """A hash of a random secret at ``cost``, made once per process.

    Checking a password against it costs exactly what checking a real user's
    does, so an unknown username cannot be told apart by timing.
    """
    cost = cost or DEFAULT_COST
    if cost not in _DUMMIES:
        _DUMMIES[cost] = hash_secret(secrets.token_urlsafe(16), cost)
    return _DUMMIES[cost]

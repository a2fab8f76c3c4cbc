"""Plain records the accounts service hands out (never the secret hash)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMIN = "admin"
    TEACHER = "teacher"
    STUDENT = "student"


@dataclass(frozen=True)
class User:
    id: str
    role: Role
    display_name: str
    username: str | None
    class_id: str | None
    language: str
    has_pin: bool

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            id=row["id"],
            role=Role(row["role"]),
            display_name=row["display_name"],
            username=row["username"],
            class_id=row["class_id"],
            language=row["language"],
            has_pin=row["secret_hash"] is not None,
        )


@dataclass(frozen=True)
class SchoolClass:
    id: str
    name: str
    grade: int
    allow_no_pin: bool
    daily_message_limit: int

    @classmethod
    def from_row(cls, row: Any) -> SchoolClass:
        return cls(
            id=row["id"],
            name=row["name"],
            grade=int(row["grade"]),
            allow_no_pin=bool(row["allow_no_pin"]),
            daily_message_limit=int(row["daily_message_limit"]),
        )


@dataclass(frozen=True)
class StaffMember:
    """A teacher or admin with the classes they teach, for the admin's staff list."""

    user: User
    classes: tuple[SchoolClass, ...]

"""Accounts, sign-in and permissions for shared lab PCs."""

from tutor_desktop.core.accounts.models import Role, SchoolClass, StaffMember, User
from tutor_desktop.core.accounts.service import AccountService
from tutor_desktop.core.accounts.session import SYSTEM, Actor, Session, SystemActor, require_staff

__all__ = ["SYSTEM", "AccountService", "Actor", "Role", "SchoolClass", "Session", "StaffMember",
           "SystemActor", "User", "require_staff"]

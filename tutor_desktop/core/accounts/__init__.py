"""Accounts, sign-in and permissions for shared lab PCs."""

from tutor_desktop.core.accounts.models import Role, SchoolClass, StaffMember, User
from tutor_desktop.core.accounts.service import AccountService
from tutor_desktop.core.accounts.session import Session

__all__ = ["AccountService", "Role", "SchoolClass", "Session", "StaffMember", "User"]

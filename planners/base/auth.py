"""Accounts, roles, sign-in with lockout, and which role may open which page.

Passwords are hashed with argon2id (argon2-cffi). A failed sign-in never says which part was wrong."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.core import config
from planners.core.errors import NotFound, PermissionDenied, SignInFailed, ValidationFailed
from planners.core.clock import utcnow
from planners.store.models import User


class Role(str, Enum):
    ORGANIZER = "organizer"
    FRONT_DESK = "front_desk"
    LEADER = "leader"
    ADMIN = "admin"


ROLES = [r.value for r in Role]

# Page (file stem under pages/) -> roles that may open it. Order is the navigation order.
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "home": tuple(ROLES),
    "events": ("organizer", "leader"),
    "venues": ("organizer", "leader"),
    "attendees": ("organizer", "leader"),
    "checkin": ("front_desk",),
    "documents": ("organizer", "front_desk"),
    "visits": ("organizer", "front_desk"),
    "approvals": ("leader",),
    "admin": ("admin",),
    "audit": ("admin", "leader"),
}


def may_open(role: str | None, page: str) -> bool:
    return role is not None and role in PAGE_ROLES.get(page, ())


def pages_for(role: str) -> list[str]:
    return [p for p, roles in PAGE_ROLES.items() if role in roles]


_hasher = PasswordHasher()  # argon2id with the library's current defaults
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_one_time_password() -> str:
    return secrets.token_urlsafe(12)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.",
                               key="auth.password_too_short", field="password", n=MIN_PASSWORD_LENGTH)


@dataclass(frozen=True, kw_only=True)
class Principal:
    """The signed-in user as pages and planners see it."""

    id: int
    username: str
    display_name: str
    role: str
    must_change_password: bool = False


def principal(user: User) -> Principal:
    return Principal(id=user.id, username=user.username, display_name=user.display_name or user.username,
                     role=user.role, must_change_password=user.must_change_password)


def create_user(session: Session, *, username: str, role: str, actor: str, display_name: str = "",
                unit: str = "", password: str | None = None, must_change: bool = True) -> tuple[User, str]:
    """Create an account; returns it with its (one-time) password, which is shown once and never stored."""
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValidationFailed("A user name is 1-64 characters without spaces.", key="auth.bad_username",
                               field="username")
    if role not in ROLES:
        raise ValidationFailed(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.", key="auth.bad_role",
                               field="role", role=role, roles=", ".join(ROLES))
    if session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise ValidationFailed(f"The user name {username!r} is taken; choose another.", key="auth.username_taken",
                               field="username", username=username)
    pw = password or new_one_time_password()
    if password:
        check_password_policy(password)
    user = User(username=username, role=role, display_name=display_name or username, unit=unit,
                password_hash=hash_password(pw), must_change_password=must_change)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", object_type="user", object_id=user.id,
                 after={"username": username, "role": role})
    return user, pw


def sign_in(username: str, password: str, url: str | None = None) -> Principal:
    """Sign in, or raise SignInFailed. The failure counter and audit entry are committed before raising."""
    from planners.store.uow import write_session

    with write_session(url) as s:
        p = authenticate(s, username, password)
    if p is None:
        raise SignInFailed(
            "Sign-in refused: the user name or password is wrong, or the account is locked. "
            f"Check both and try again; after {config.MAX_FAILED_SIGNINS} failures an account is locked for "
            f"{config.LOCKOUT_MINUTES} minutes (an admin can unlock it).",
            n=config.MAX_FAILED_SIGNINS, minutes=config.LOCKOUT_MINUTES,
        )
    return p


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    """Check a sign-in in the caller's transaction. Locks the account for LOCKOUT_MINUTES after
    MAX_FAILED_SIGNINS failures in a row. Returns None on refusal, after recording it."""
    now = utcnow()
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    reason = None
    if user is None:
        reason = "unknown_user"
        hash_password(password or "x")  # same cost as a real check: no timing hint
    elif not user.active:
        reason = "inactive"
    elif user.locked_until and user.locked_until > now:
        reason = "locked"
    elif not verify_password(user.password_hash, password):
        reason = "wrong_password"
        user.failed_attempts += 1
        if user.failed_attempts >= config.MAX_FAILED_SIGNINS:
            user.locked_until = now + timedelta(minutes=config.LOCKOUT_MINUTES)
            user.failed_attempts = 0
            audit.record(session, actor=user.username, action="user.locked", object_type="user",
                         object_id=user.id, minutes=config.LOCKOUT_MINUTES)
    if reason:
        audit.record(session, actor=username.strip()[:64] or "?", action="signin.failed", object_type="user",
                     object_id=user.id if user else "", reason=reason)
        return None
    user.failed_attempts = 0
    user.locked_until = None
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, actor=user.username, action="signin.ok", object_type="user", object_id=user.id)
    return principal(user)


def load_principal(session: Session, user_id: int) -> Principal | None:
    """Re-read the account on every page run: a deactivated or locked account loses its session."""
    user = session.get(User, user_id)
    if user is None or not user.active or (user.locked_until and user.locked_until > utcnow()):
        return None
    return principal(user)


def change_password(session: Session, user_id: int, old: str, new: str) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.", key="error.not_found")
    if not verify_password(user.password_hash, old):
        raise ValidationFailed("The current password is wrong.", key="auth.old_password_wrong",
                               field="old_password")
    if old == new:
        raise ValidationFailed("Choose a new password different from the current one.", key="auth.password_same",
                               field="password")
    check_password_policy(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    audit.record(session, actor=user.username, action="user.password_changed", object_type="user",
                 object_id=user.id)


def reset_password(session: Session, *, username: str, actor: str) -> str:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user named {username!r}.", key="auth.no_such_user", username=username)
    pw = new_one_time_password()
    user.password_hash = hash_password(pw)
    user.must_change_password = True
    user.failed_attempts = 0
    user.locked_until = None
    audit.record(session, actor=actor, action="user.password_reset", object_type="user", object_id=user.id)
    return pw


def update_user(session: Session, *, user_id: int, actor: Principal, role: str | None = None,
                active: bool | None = None, unlock: bool = False) -> User:
    if actor.role != Role.ADMIN.value:
        raise PermissionDenied("Only an admin manages accounts.", key="auth.admin_only")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.", key="error.not_found")
    before = {"role": user.role, "active": user.active}
    if user.id == actor.id and ((role and role != user.role) or active is False):
        raise PermissionDenied("You cannot change your own role or deactivate yourself; ask another admin.",
                               key="auth.not_self")
    if role is not None:
        if role not in ROLES:
            raise ValidationFailed(f"Unknown role {role!r}.", key="auth.bad_role", field="role", role=role,
                                   roles=", ".join(ROLES))
        user.role = role
    if active is not None:
        user.active = active
    if unlock:
        user.locked_until = None
        user.failed_attempts = 0
    audit.record(session, actor=actor.username, action="user.update", object_type="user", object_id=user.id,
                 before=before, after={"role": user.role, "active": user.active, "unlocked": unlock})
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))

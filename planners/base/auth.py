"""Accounts, roles, sign-in with lockout, and which role may open which page.

Passwords are hashed with argon2id (argon2-cffi). A failed sign-in never says which part was wrong."""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from planners.base import audit
from planners.core import config
from planners.core.errors import NotFound, PermissionDenied, SignInFailed, ValidationFailed, OneTimePasswordExpired, TooManyAttempts
from planners.core.clock import utcnow
from planners.store.models import User


class Role(str, Enum):
    ORGANIZER = "organizer"
    FRONT_DESK = "front_desk"
    LEADER = "leader"
    ADMIN = "admin"
    SECURITY_OFFICER = "security_officer"  # issue 13: 保密员/保密办, keeps the people register
    FOREIGN_AFFAIRS = "foreign_affairs"  # issue 12: the 外事部门, receives information requests and the report


ROLES = [r.value for r in Role]

# Page (file stem under pages/) -> roles that may open it. Order is the navigation order.
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "home": tuple(ROLES),
    "events": ("organizer", "leader"),
    "plan": ("organizer", "leader"),  # issue 16: the plan's own page (保密工作方案), beside the events
    "venues": ("organizer", "leader"),
    "attendees": ("organizer", "leader"),
    "checkin": ("front_desk",),
    "documents": ("organizer", "front_desk"),
    "visits": ("organizer", "front_desk", "foreign_affairs", "leader"),  # issue 12: foreign_affairs, leader read
    "approvals": ("leader",),
    "admin": ("admin",),
    "audit": ("admin", "leader"),
    "people": ("security_officer", "leader", "organizer"),  # issue 13
    "trips": ("organizer", "leader", "security_officer"),  # issue 14
    "sessions": ("organizer", "admin"),  # issue 15
}


def may_open(role: str | None, page: str) -> bool:
    return role is not None and role in PAGE_ROLES.get(page, ())


def pages_for(role: str) -> list[str]:
    return [p for p, roles in PAGE_ROLES.items() if role in roles]


_hasher = PasswordHasher()  # argon2id with the library's current defaults
MIN_PASSWORD_LENGTH = 10


ONE_TIME_PASSWORD_HOURS = 72  # a one-time password (new account, reset) must be used within this


def one_time_password_expiry():
    return utcnow() + timedelta(hours=ONE_TIME_PASSWORD_HOURS)


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
                password_hash=hash_password(pw), must_change_password=must_change,
                password_expires_at=one_time_password_expiry() if must_change else None)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", object_type="user", object_id=user.id,
                 after={"username": username, "role": role})
    return user, pw


def sign_in(username: str, password: str, url: str | None = None, *, client: str | None = None,
            session: str | None = None) -> Principal:
    """Sign in, or raise SignInFailed (TooManyAttempts, OneTimePasswordExpired are kinds of it).

    `session` and `client` (the browser session's id and the client's address, as the page knows them) key the
    rate limit; None means no limit on that key. The password is checked outside any transaction (argon2 takes
    a tenth of a second to a second: holding SQLite's write lock that long stalls every desk), then a short
    write counts the failure atomically or records the success. Unknown, inactive and locked accounts run the
    same argon2 check against a dummy hash, so the time taken says nothing about the account."""
    from planners.base import signin_guard

    try:
        ticket = signin_guard.LIMITER.admit(session=session, client=client)
    except signin_guard.Throttled as exc:
        raise TooManyAttempts(f"Too many sign-in attempts: wait {exc.wait_s} s, then try again.",
                              seconds=exc.wait_s) from None
    ok = False
    try:
        p = _sign_in(username, password, url or config.database_url(), client)
        ok = True
        return p
    finally:
        ticket.settle(ok)


_dummy = {"hash": ""}
_dummy_lock = threading.Lock()


def _dummy_hash() -> str:
    """A hash of a random password made with the hasher's parameters: checking against it costs what a real
    check costs."""
    with _dummy_lock:
        if not _dummy["hash"]:
            _dummy["hash"] = hash_password(secrets.token_urlsafe(16))
        return _dummy["hash"]


def _refused() -> SignInFailed:
    return SignInFailed(
        "Sign-in refused: the user name or password is wrong, or the account is locked. "
        f"Check both and try again; after {config.MAX_FAILED_SIGNINS} failures an account is locked for "
        f"{config.LOCKOUT_MINUTES} minutes (an admin can unlock it).",
        n=config.MAX_FAILED_SIGNINS, minutes=config.LOCKOUT_MINUTES,
    )


def _sign_in(username: str, password: str, url: str, client: str | None) -> Principal:
    from planners.base import signin_guard
    from planners.store.uow import read as read_session, write_session

    name = username.strip()
    now = utcnow()
    with read_session(url) as s:  # 1. read: no lock held
        user = s.scalar(select(User).where(func.lower(User.username) == name.lower()))
    usable = user is not None and user.active and not (user.locked_until and user.locked_until > now)
    checked_hash = user.password_hash if usable else signin_guard.run_verify(_dummy_hash)
    # 2. verify outside any transaction, one argon2 check on every path, in the low-priority argon2 worker
    right = signin_guard.run_verify(verify_password, checked_hash, password or "")
    new_hash = (signin_guard.run_verify(hash_password, password)
                if usable and right and _hasher.check_needs_rehash(checked_hash) else None)
    if user is None:
        reason = "unknown_user"
    elif not user.active:
        reason = "inactive"
    elif not usable:
        reason = "locked"
    elif not right:
        reason = "wrong_password"
    elif user.must_change_password and user.password_expires_at and user.password_expires_at <= now:
        reason = "password_expired"
    else:
        reason = None
    uid = user.id if user is not None else None
    entries: list[dict] = []
    with write_session(url) as s:  # 3. a short write: the counter, the lockout, the audit
        now = utcnow()
        not_locked = or_(User.locked_until.is_(None), User.locked_until <= now)
        if reason is None:
            values = {"failed_attempts": 0, "locked_until": None}
            if new_hash:
                values["password_hash"] = new_hash
            done = s.execute(update(User).where(User.id == uid, User.active.is_(True), not_locked,
                                                User.password_hash == checked_hash).values(**values)
                             .execution_options(synchronize_session=False))
            if done.rowcount == 1:
                audit.record(s, actor=user.username, action="signin.ok", object_type="user", object_id=uid)
                for e in signin_guard.FAILURES.due(url):
                    audit.record(s, **e)
                return principal(user)
            reason = "locked"  # locked (or its password changed) while the password was being checked
        elif reason == "wrong_password":
            n = s.execute(update(User).where(User.id == uid, not_locked)
                          .values(failed_attempts=User.failed_attempts + 1).returning(User.failed_attempts)
                          .execution_options(synchronize_session=False)).scalar()
            if n is None:
                reason = "locked"  # locked by a parallel attempt meanwhile: not counted again
            elif n >= config.MAX_FAILED_SIGNINS:
                s.execute(update(User).where(User.id == uid)
                          .values(locked_until=now + timedelta(minutes=config.LOCKOUT_MINUTES), failed_attempts=0)
                          .execution_options(synchronize_session=False))
                audit.record(s, actor=user.username, action="user.locked", object_type="user", object_id=uid,
                             minutes=config.LOCKOUT_MINUTES)
        entries = signin_guard.FAILURES.failure(url, user_id=uid, account=user.username if user else None,
                                                typed=name, client=client, reason=reason)
        entries += signin_guard.FAILURES.due(url)
        for e in entries:
            audit.record(s, **e)
    if reason == "password_expired":
        raise OneTimePasswordExpired(
            f"The one-time password of {user.username} expired at {user.password_expires_at:%Y-%m-%d %H:%M} UTC "
            f"(one-time passwords are valid {ONE_TIME_PASSWORD_HOURS} h). Ask an admin for a new one: "
            f"`conclave user reset-password {user.username} --as ADMIN`, or Users & roles → New one-time password.",
            username=user.username, hours=ONE_TIME_PASSWORD_HOURS,
            at=f"{user.password_expires_at:%Y-%m-%d %H:%M}")
    raise _refused()


def _may_act(active: bool, locked_until, now) -> bool:
    return bool(active) and not (locked_until and locked_until > now)


def load_principal(session: Session, user_id: int) -> Principal | None:
    """Re-read the account on every page run: a deactivated or locked account loses its session."""
    user = session.get(User, user_id)
    if user is None or not _may_act(user.active, user.locked_until, utcnow()):
        return None
    return principal(user)


def role_while_usable(user_id: int, url: str | None = None) -> str | None:
    """issue 17: the account's role while it may still act (as load_principal decides), else None, in one
    SQLAlchemy Core read (~0.3 ms, where the ORM's load took 2 ms): what a process that signed in once and runs
    on (`conclave scan --stdin`) asks before each act."""
    from planners.store.db import get_engine

    with get_engine(url).connect() as conn:
        row = conn.execute(select(User.active, User.locked_until, User.role).where(User.id == user_id)).first()
    return row.role if row is not None and _may_act(row.active, row.locked_until, utcnow()) else None


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
    user.password_expires_at = None
    audit.record(session, actor=user.username, action="user.password_changed", object_type="user",
                 object_id=user.id)


def reset_password(session: Session, *, username: str, actor: str) -> str:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user named {username!r}.", key="auth.no_such_user", username=username)
    pw = new_one_time_password()
    user.password_hash = hash_password(pw)
    user.must_change_password = True
    user.password_expires_at = one_time_password_expiry()
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

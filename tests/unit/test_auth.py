import pytest

from planners.base import auth
from planners.core import config
from planners.core.errors import SignInFailed
from planners.store.uow import read as read_session, write_session
from planners.store.models import AuditEntry, User
from tests.conftest import TEST_PASSWORD


def test_passwords_are_hashed_with_argon2id():
    h = auth.hash_password("s3cret-password")
    assert h.startswith("$argon2id$") and "s3cret" not in h
    assert auth.verify_password(h, "s3cret-password") and not auth.verify_password(h, "other")


def test_sign_in_with_the_right_password(db_url, users):
    p = auth.sign_in("organizer", TEST_PASSWORD)
    assert p.role == "organizer"


@pytest.mark.parametrize("username,password", [("organizer", "wrong"), ("ghost", "whatever")])
def test_failed_sign_in_is_refused_and_audited_without_hint(db_url, users, username, password):
    with pytest.raises(SignInFailed) as exc:
        auth.sign_in(username, password)
    assert "user name or password is wrong, or the account is locked" in str(exc.value)
    with read_session() as s:
        last = s.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
    assert last.action == "signin.failed"


def test_account_locks_after_repeated_failures_even_for_the_right_password(db_url, users):
    for _ in range(config.MAX_FAILED_SIGNINS):
        with pytest.raises(SignInFailed):
            auth.sign_in("organizer", "wrong")
    with pytest.raises(SignInFailed) as exc:
        auth.sign_in("organizer", TEST_PASSWORD)
    assert "locked" in str(exc.value)
    with read_session() as s:
        u = s.query(User).filter_by(username="organizer").one()
        assert u.locked_until is not None
        assert s.query(AuditEntry).filter_by(action="user.locked").count() == 1


def test_admin_unlock_lets_the_user_back_in(db_url, users):
    for _ in range(config.MAX_FAILED_SIGNINS):
        with pytest.raises(SignInFailed):
            auth.sign_in("organizer", "wrong")
    with write_session() as s:
        auth.update_user(s, user_id=users["organizer"].id, actor=users["admin"], unlock=True)
    assert auth.sign_in("organizer", TEST_PASSWORD).username == "organizer"


def test_a_locked_or_deactivated_account_loses_its_session(db_url, users):
    with write_session() as s:
        auth.update_user(s, user_id=users["organizer"].id, actor=users["admin"], active=False)
    with read_session() as s:
        assert auth.load_principal(s, users["organizer"].id) is None


def test_admin_cannot_demote_themselves(db_url, users):
    with pytest.raises(auth.PermissionDenied):
        with write_session() as s:
            auth.update_user(s, user_id=users["admin"].id, actor=users["admin"], role="organizer")


def test_only_admin_manages_accounts(db_url, users):
    with pytest.raises(auth.PermissionDenied):
        with write_session() as s:
            auth.update_user(s, user_id=users["organizer"].id, actor=users["leader"], active=False)


def test_one_time_password_must_be_changed_and_policy_applies(db_url):
    with write_session() as s:
        u, pw = auth.create_user(s, username="newbie", role="organizer", actor="test")
    p = auth.sign_in("newbie", pw)
    assert p.must_change_password
    with pytest.raises(auth.ValidationFailed):
        with write_session() as s:
            auth.change_password(s, p.id, pw, "short")
    with write_session() as s:
        auth.change_password(s, p.id, pw, "a-long-enough-password")
    assert not auth.sign_in("newbie", "a-long-enough-password").must_change_password


def test_every_page_has_roles_and_each_role_has_home():
    for role in auth.ROLES:
        assert "home" in auth.pages_for(role)
    assert auth.pages_for("front_desk") == ["home", "checkin", "documents", "visits"]
    assert auth.pages_for("foreign_affairs") == ["home", "visits"]  # issue 12

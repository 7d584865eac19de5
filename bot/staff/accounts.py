"""Accounts of the support console: roles and what they may do, argon2 password hashes,
logins with a lockout after repeated failures, and a throttle on failed logins per client.

Plain Python over the store, shared by the console and ``privacybot users …`` (bot/cli/users.py).
Plain passwords only pass through here on their way into argon2: they are never stored,
logged, put in an exception message or written to the audit log."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict, deque
from datetime import datetime, timedelta
from typing import Deque, Dict, FrozenSet, List, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, literal, null, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.clock import now_utc
from bot.staff import audit
from bot.store.db import Store
from bot.store.models import StaffUser, UTCDateTime

ROLES = ("agent", "privacy_officer", "admin")

_EVERYONE: FrozenSet[str] = frozenset(ROLES)
_OFFICERS: FrozenSet[str] = frozenset({"privacy_officer", "admin"})

# Which roles may do what. Reading conversations and requests, reviewing and annotating is
# everyday support work; anything that shows unmasked personal data, acts on a data subject's
# rights or exports data is for privacy officers; destroying data in bulk is for admins only.
PERMISSIONS: Dict[str, FrozenSet[str]] = {
    "view_conversations": _EVERYONE,
    "review": _EVERYONE,  # mark reviewed, tag, note
    "annotate": _EVERYONE,
    "view_requests": _EVERYONE,
    "handle_requests": _OFFICERS,
    "reveal": _OFFICERS,
    "export_subject": _OFFICERS,
    "erase_subject": _OFFICERS,
    "export_annotations": _OFFICERS,
    "purge": frozenset({"admin"}),
}

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 12
# argon2 takes any length, but nobody types more; the cap keeps a pasted megabyte out.
MAX_PASSWORD_LENGTH = 1024

# Production uses argon2-cffi's defaults (RFC 9106 low-memory profile). Tests swap this for
# a cheaper hasher; logins rehash stored hashes whenever the parameters here change.
HASHER = PasswordHasher()

# One message for every refused login: a separate "locked" message would tell a guesser which
# usernames exist (only an existing account can be locked). The reason stays on the error.
LOGIN_FAILED = (
    f"Gebruikersnaam of wachtwoord is onjuist, of het account is na {MAX_FAILED_LOGINS} "
    f"mislukte pogingen {LOCK_MINUTES} minuten vergrendeld. Lukt het niet, vraag een beheerder."
)

# ASCII only, so that no two accounts look alike (Cyrillic 'а' versus Latin 'a').
_USERNAME = re.compile(r"[a-z0-9._-]{3,80}")
# Who the audit log names for what an unauthenticated client did (failed logins, the lock).
ANONYMOUS = "anoniem"


class StaffError(ValueError):
    """An account operation that cannot be done; the message is Dutch and safe to show.
    ``reason`` says why for the code and the audit log ("wrong", "locked"), never the visitor."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


def can(role: str, permission: str) -> bool:
    """Whether a role has a permission. Unknown permissions are refused, so a typo in the
    console denies access instead of granting it."""
    return role in PERMISSIONS.get(permission, ())


def normalise_username(username: str) -> str:
    """Usernames are compared case-insensitively: stored and looked up in lower case."""
    return (username or "").strip().lower()


def _valid_username(username: str) -> str:
    name = normalise_username(username)
    if not _USERNAME.fullmatch(name):
        raise StaffError(
            "Een gebruikersnaam heeft 3 tot 80 tekens: letters, cijfers, punt, liggend streepje of koppelteken."
        )
    return name


def _valid_role(role: str) -> str:
    if role not in ROLES:
        raise StaffError(f"Onbekende rol: kies uit {', '.join(ROLES)}.")
    return role


def _check_password(username: str, password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffError(f"Een wachtwoord heeft hoogstens {MAX_PASSWORD_LENGTH} tekens.")
    if password.strip().lower() == username:
        raise StaffError("Het wachtwoord mag niet gelijk zijn aan de gebruikersnaam.")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches. A damaged hash counts as a mismatch rather than an
    error: the account then simply cannot log in until an admin sets a new password."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hashes: Dict[Tuple, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current parameters, to verify against when there is no account:
    an unknown username then costs as much time as a wrong password, so response times do
    not tell which usernames exist."""
    key = (HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism, HASHER.hash_len, HASHER.salt_len, HASHER.type)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = HASHER.hash("geen-account-" + str(key))
    return _dummy_hashes[key]


def is_locked(user: StaffUser, now: Optional[datetime] = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or now_utc())


def _audit(
    store: Store,
    actor: Optional[str],
    action: str,
    target: Optional[str] = None,
    detail: Optional[str] = None,
    now: Optional[datetime] = None,
) -> None:
    if actor:
        audit.record(store, actor[:80], action, target=target, detail=detail, now=now)


# ---------------------------------------------------------------------------- accounts


def add_user(
    store: Store,
    username: str,
    password: str,
    role: str,
    now: Optional[datetime] = None,
    *,
    actor: Optional[str] = None,
) -> StaffUser:
    """Create an account. ``actor`` (who did it, e.g. ``cli:jan``) puts it in the audit log."""
    name = _valid_username(username)
    _valid_role(role)
    _check_password(name, password)
    password_hash = hash_password(password)  # slow: before the transaction, not inside it
    now = now or now_utc()
    user = StaffUser(
        username=name,
        password_hash=password_hash,
        role=role,
        active=True,
        failed_logins=0,
        session_version=1,
        created_at=now,
    )
    try:
        with store.session() as session:
            if session.execute(select(StaffUser.id).where(StaffUser.username == name)).first():
                raise StaffError(f"Er bestaat al een account {name}.")
            session.add(user)
    except IntegrityError:  # created by someone else between our check and our insert
        raise StaffError(f"Er bestaat al een account {name}.") from None
    _audit(store, actor, "user_added", target=name, detail=f"rol {role}", now=now)
    return user


def get_user(store: Store, user_id: int) -> Optional[StaffUser]:
    """The account behind a session cookie (which holds the id and the session_version)."""
    with store.session() as session:
        return session.get(StaffUser, user_id)


def find_user(store: Store, username: str) -> Optional[StaffUser]:
    with store.session() as session:
        return session.execute(
            select(StaffUser).where(StaffUser.username == normalise_username(username))
        ).scalar_one_or_none()


def list_users(store: Store) -> List[StaffUser]:
    with store.session() as session:
        return list(session.execute(select(StaffUser).order_by(StaffUser.username)).scalars())


def _change(store: Store, username: str, **values) -> StaffUser:
    """One UPDATE of one account; values may be SQL expressions (session_version + 1), so
    concurrent changes never overwrite each other."""
    name = normalise_username(username)
    with store.session() as session:
        result = session.execute(
            update(StaffUser)
            .where(StaffUser.username == name)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise StaffError(f"Geen account met gebruikersnaam {name or '(leeg)'}.")
        return session.execute(select(StaffUser).where(StaffUser.username == name)).scalar_one()


def set_active(store: Store, username: str, active: bool, *, actor: Optional[str] = None) -> StaffUser:
    """Enable or disable an account. Disabling also ends its sessions, so it takes effect at
    once and not only at the next login."""
    values = {"active": bool(active)}
    if not active:
        values["session_version"] = StaffUser.session_version + 1
    user = _change(store, username, **values)
    _audit(store, actor, "user_enabled" if active else "user_disabled", target=user.username)
    return user


def unlock(store: Store, username: str, *, actor: Optional[str] = None) -> StaffUser:
    """Lift a lockout before its time and forget the failed attempts."""
    user = _change(store, username, failed_logins=0, locked_until=None)
    _audit(store, actor, "user_unlocked", target=user.username)
    return user


def set_password(store: Store, username: str, password: str, *, actor: Optional[str] = None) -> StaffUser:
    """Set a new password (same rules as for new accounts) and end every session: whoever
    knew the old password must not stay logged in with it. A lockout is not lifted: that is
    ``unlock``'s job."""
    name = normalise_username(username)
    _check_password(name, password)
    user = _change(store, name, password_hash=hash_password(password), session_version=StaffUser.session_version + 1)
    _audit(store, actor, "password_changed", target=user.username)
    return user


def end_sessions(store: Store, username: str, *, actor: Optional[str] = None) -> StaffUser:
    """Make every existing session cookie of the account invalid (they carry the old
    session_version), e.g. after a lost laptop."""
    user = _change(store, username, session_version=StaffUser.session_version + 1)
    _audit(store, actor, "sessions_ended", target=user.username)
    return user


# ---------------------------------------------------------------------------- login


def authenticate(
    store: Store, username: str, password: str, now: Optional[datetime] = None, *, client: Optional[str] = None
) -> StaffUser:
    """Check a login and return the account, or raise StaffError.

    Unknown user, wrong password and inactive account all give the same message and take
    the same time (one argon2 verification), so the form does not reveal which usernames
    exist. After MAX_FAILED_LOGINS wrong passwords in a row the account is locked for
    LOCK_MINUTES; during the lock the password is not checked against the account (a dummy hash
    costs the same time), and attempts do not extend it.

    Every attempt first claims a slot by counting itself as a failure in one UPDATE
    (failed_logins = failed_logins + 1, only when not locked), committed before the slow
    hash verification; the attempt that fills the last slot sets the lock in that same
    UPDATE. Parallel requests therefore get at most MAX_FAILED_LOGINS password checks per
    lock period between them, and a crash after the claim at worst leaves a lock that
    expires. A correct password then resets the count.

    ``client`` (e.g. the IP address) only goes into the audit log's detail."""
    now = now or now_utc()
    typed = (username or "")[:80]
    name = normalise_username(username)
    lock_end = now + timedelta(minutes=LOCK_MINUTES)
    suffix = f"; client {client}" if client else ""

    expired = StaffUser.locked_until.isnot(None)  # the gate below lets only expired locks through
    new_count = case((expired, 1), else_=StaffUser.failed_logins + 1)
    with store.session() as session:
        claim = session.execute(
            update(StaffUser)
            .where(
                StaffUser.username == name,
                StaffUser.active.is_(True),
                or_(StaffUser.locked_until.is_(None), StaffUser.locked_until <= now),
            )
            .values(
                failed_logins=new_count,
                locked_until=case((new_count >= MAX_FAILED_LOGINS, literal(lock_end, UTCDateTime())), else_=null()),
            )
            .execution_options(synchronize_session=False)
        )
        claimed = claim.rowcount == 1
        user = session.execute(select(StaffUser).where(StaffUser.username == name)).scalar_one_or_none()

    if user is None or not user.active:
        verify_password(user.password_hash if user else _dummy_hash(), password)  # same time either way
        reason = "onbekende gebruiker" if user is None else "account uitgeschakeld"
        audit.record(store, ANONYMOUS, "login_failed", target=typed, detail=reason + suffix, now=now)
        raise StaffError(LOGIN_FAILED, "wrong")
    if not claimed:
        # No password is checked during a lock, but the time spent must be the same as for an
        # unknown name or a wrong password: a fast answer would tell that this account exists
        # (only an existing account can be locked; issue 15, finding 7).
        verify_password(_dummy_hash(), password)
        audit.record(store, ANONYMOUS, "login_failed", target=typed, detail="vergrendeld" + suffix, now=now)
        raise StaffError(LOGIN_FAILED, "locked")

    we_locked = user.locked_until is not None  # this attempt filled the last slot
    if not verify_password(user.password_hash, password):
        audit.record(
            store,
            ANONYMOUS,
            "login_failed",
            target=typed,
            detail=f"wachtwoord onjuist ({user.failed_logins}/{MAX_FAILED_LOGINS}){suffix}",
            now=now,
        )
        if we_locked:
            audit.record(
                store,
                ANONYMOUS,
                "locked",
                target=user.username,
                detail=f"{MAX_FAILED_LOGINS} mislukte pogingen; {LOCK_MINUTES} minuten{suffix}",
                now=now,
            )
        raise StaffError(LOGIN_FAILED, "wrong")

    values = {"failed_logins": 0, "last_login_at": now}
    if we_locked:  # our own provisional lock; a lock set by someone else's failure stays
        values["locked_until"] = None
    if HASHER.check_needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    with store.session() as session:
        session.execute(
            update(StaffUser)
            .where(StaffUser.id == user.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        user = session.get(StaffUser, user.id)
    audit.record(store, user.username, "login", target=user.username, detail=client, now=now)
    return user


class LoginThrottle:
    """At most ``limit`` failed logins per ``window`` seconds per key, in memory.

    The account lockout protects one account; this protects the form against one client
    trying many passwords or accounts. Only failures count (``fail``): a successful login
    costs nothing, so staff who log in often behind one address are never refused for it, and
    ``blocked`` only looks. The console keys it on the client address (the trusted-proxy rule
    of the chat, ``bot.core.clients.client_address``) and on address plus account, so one
    mistyping colleague or an attacker cannot lock out everyone behind the same proxy
    (issue 15, finding 5). Memory stays bounded: per key at most ``limit`` timestamps, keys
    quiet for a whole window are dropped, and beyond ``max_clients`` keys the least recently
    seen are forgotten. Per process: with several workers each counts separately."""

    def __init__(self, limit: int = 10, window: float = 300, max_clients: int = 10_000) -> None:
        if limit < 1 or window <= 0 or max_clients < 1:
            raise ValueError("limit, window en max_clients moeten positief zijn")
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        self._attempts: "OrderedDict[str, Deque[float]]" = OrderedDict()  # least recently seen first
        self._lock = threading.Lock()

    def blocked(self, key: str, now: Optional[float] = None) -> bool:
        """True when ``key`` has ``limit`` failures in the window: refuse without checking."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget_quiet(now - self.window)
            attempts = self._attempts.get(key)
            return attempts is not None and sum(1 for t in attempts if t > now - self.window) >= self.limit

    def fail(self, key: str, now: Optional[float] = None) -> None:
        """Count one failed login for ``key``."""
        now = time.monotonic() if now is None else now
        horizon = now - self.window
        with self._lock:
            self._forget_quiet(horizon)
            attempts = self._attempts.get(key)
            if attempts is None:
                attempts = self._attempts[key] = deque(maxlen=self.limit)
            else:
                self._attempts.move_to_end(key)
            while attempts and attempts[0] <= horizon:
                attempts.popleft()
            attempts.append(now)
            while len(self._attempts) > self.max_clients:
                self._attempts.popitem(last=False)

    def _forget_quiet(self, horizon: float) -> None:
        """Drop keys whose last failure is older than the window. The dict is ordered by last
        failure, so this stops at the first key still active: amortised O(1) per call."""
        while self._attempts:
            key, attempts = next(iter(self._attempts.items()))
            if attempts and attempts[-1] > horizon:
                break
            del self._attempts[key]

    def __len__(self) -> int:
        """How many keys are being tracked (for tests and monitoring)."""
        with self._lock:
            return len(self._attempts)

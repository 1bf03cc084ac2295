"""Password hashing with argon2id and the minimum password rules."""

from __future__ import annotations

import functools
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal.core.errors import BadInput

# The test suite sets PORTAL_PASSWORD_HASH_PROFILE=test for cheap hashes; anything else gets argon2id's defaults.
_TEST_PROFILE = os.environ.get("PORTAL_PASSWORD_HASH_PROFILE") == "test"
_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if _TEST_PROFILE else PasswordHasher()
MIN_LENGTH = 10


@functools.cache
def _dummy_hash() -> str:
    """A real hash of a fixed string: verifying against it when the user is unknown keeps timing uniform."""
    return _hasher.hash("not-a-real-password-0")


def check_password_rules(password: str) -> None:
    """BadInput when the password is too short or too plain (the message never repeats the password)."""
    if len(password) < MIN_LENGTH:
        raise BadInput(f"password must have at least {MIN_LENGTH} characters (got {len(password)})")
    if len(set(password)) < 4:
        raise BadInput("password must use at least 4 different characters")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant work even when there is no stored hash)."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the stored hash uses outdated parameters."""
    return _hasher.check_needs_rehash(stored)

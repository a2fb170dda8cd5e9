"""Password hashing (argon2id via pwdlib) and opaque bearer tokens."""

import hashlib
import secrets
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.settings import get_settings


@lru_cache
def _password_hash() -> PasswordHash:
    settings = get_settings()
    return PasswordHash(
        (Argon2Hasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib),)
    )


def hash_password(password: str) -> str:
    return _password_hash().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        # Spend the same time as a real check so that unknown users are not told apart.
        _password_hash().verify(password, _dummy_hash())
        return False
    return _password_hash().verify(password, password_hash)


@lru_cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    """256 bits of randomness, URL-safe."""
    return secrets.token_urlsafe(32)


# No 0/O, 1/I/L: the code is read aloud or typed from paper.
INVITATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_invitation_code() -> str:
    """12 characters (~59 bits) in groups of four, e.g. "K7QX-3MNP-W2HD"."""
    chars = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def invitation_digest(code: str) -> str:
    """Digest of a code as typed: case, spaces and dashes do not matter."""
    return token_digest("".join(code.split()).replace("-", "").upper())


def token_digest(token: str) -> str:
    # The token is random and long, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()

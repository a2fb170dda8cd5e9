"""In-process token buckets per client IP for the endpoints anyone can call without an
account: kiosk keys, passwords, certificate lookups (429 with Retry-After).

One limiter per app (`app.state.rate_limiter`), so that each test's app starts with
full buckets. Every API process counts on its own: behind a load balancer with N
processes a client gets up to N times the allowance. For kiosk keys (256 bits) that is
still a bound on guessing; for passwords it is only a flood guard that keeps argon2
from eating the CPU, and the limits on guessing are the failure counts that every
process shares in the database (app.accounts.throttle).
"""

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from app.errors import AppError
from app.settings import get_settings

# Idle buckets refill to full and mean nothing; past this many, full ones are dropped.
MAX_BUCKETS = 10_000


class RateLimited(AppError):
    status, slug = 429, "rate-limited"

    def __init__(self, retry_after: int, what: str = "requests"):
        super().__init__(
            f"Too many {what}; try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, scope: str, key: str, *, per_minute: float, burst: int) -> None:
        """Takes one token from the bucket of (scope, key); RateLimited when it is empty."""
        rate = per_minute / 60.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get((scope, key))
            if bucket is None:
                if len(self._buckets) >= MAX_BUCKETS:
                    self._drop_full(now, rate, burst)
                bucket = self._buckets[scope, key] = _Bucket(tokens=burst, updated=now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens < 1:
                raise RateLimited(max(1, math.ceil((1 - bucket.tokens) / rate)))
            bucket.tokens -= 1

    def _drop_full(self, now: float, rate: float, burst: int) -> None:
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * rate >= burst:
                del self._buckets[key]


def client_ip(request: Request) -> str:
    # uvicorn already resolves X-Forwarded-For from trusted proxies (--forwarded-allow-ips).
    return request.client.host if request.client else "unknown"


def limit_per_ip(request: Request, scope: str, *, per_minute: float, burst: int) -> None:
    """Takes one token from this client's bucket of `scope`; RateLimited when it is empty."""
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.take(scope, client_ip(request), per_minute=per_minute, burst=burst)


def limit_sign_in(request: Request) -> None:
    """Every sign-in, registration and password change, failed or not, per client IP."""
    settings = get_settings()
    limit_per_ip(
        request,
        "auth",
        per_minute=settings.auth_rate_per_minute,
        burst=settings.auth_rate_burst,
    )

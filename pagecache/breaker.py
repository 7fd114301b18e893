"""A circuit breaker for the shared cache.

With Redis accepting connections but never answering, every cache call
waits for its read timeout. The breaker turns a run of failures into fast
failures: after ``threshold`` failures in a row it opens for
``open_seconds``, during which calls raise :class:`CacheUnavailableError` without
touching the network; then one call is let through to try again (half open),
and a success closes it. State is per process: each gunicorn worker finds
out for itself, at the cost of at most ``threshold`` timeouts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class CacheUnavailableError(Exception):
    """The shared cache failed, or the breaker is open and it was not tried."""


class CircuitBreaker:
    def __init__(
        self, *, threshold: int, open_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = max(1, threshold)
        self.open_seconds = open_seconds
        self.clock = clock
        self.failures = 0
        self.open_until = 0.0
        self.lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """True while calls fail fast (the cache was failing a moment ago)."""
        return self.failures >= self.threshold and self.clock() < self.open_until

    def call(self, operation: Callable[[], T]) -> T:
        """``operation()``, or :class:`CacheUnavailableError` if it raised or the
        breaker is open. Any exception counts as a failure of the cache."""
        if self.is_open:
            raise CacheUnavailableError("the cache failed recently; not trying it yet")
        try:
            result = operation()
        except Exception as error:
            with self.lock:
                self.failures += 1
                if self.failures >= self.threshold:
                    self.open_until = self.clock() + self.open_seconds
            raise CacheUnavailableError(str(error) or type(error).__name__) from error
        if self.failures:
            with self.lock:
                self.failures = 0
        return result

    def reset(self) -> None:
        with self.lock:
            self.failures, self.open_until = 0, 0.0

"""Per-client request limits that work for HTTP and WebSocket alike (sign-in, chat messages).

slowapi guards the HTTP routes by client address; it does not see WebSocket messages nor
know a conversation. These counters use the same ``limits`` library (moving windows in
memory, one per API process) with keys the caller chooses: ``login:<address>``,
``chat:<conversation>``, ``sessions:<address>``.
"""

from __future__ import annotations

import threading

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from knowledge.errors import RateLimitedError

TOO_FAST = "Bạn gửi nhanh quá. Bạn đợi một chút rồi gửi tiếp nhé."


class Limits:
    """Moving-window counters keyed by the caller."""

    def __init__(self) -> None:
        self._storage = MemoryStorage()  # the strategy holds only a weak reference to it
        self._limiter = MovingWindowRateLimiter(self._storage)
        # limits' MemoryStorage reads then inserts without a lock: two threads (the chat turn
        # runs in the thread pool) could both take the last place of a window.
        self._lock = threading.Lock()

    def check(self, rule: str, key: str, message: str = TOO_FAST) -> None:
        """Count one hit of ``key`` against ``rule`` ("20/minute").

        Raises:
            RateLimitedError: the limit is reached (``message`` is what the user reads).
        """
        with self._lock:
            allowed = self._limiter.hit(parse(rule), key)
        if not allowed:
            raise RateLimitedError(message)

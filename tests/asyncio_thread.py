"""Run a coroutine to its end from a synchronous test, whatever the main thread holds.

The browser tests' Playwright keeps an event loop running in the main thread for the rest of
the session, where `asyncio.run()` refuses to start; a thread of its own has no loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_on_own_thread(coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """`asyncio.run(coroutine)` on a fresh thread; its result, or its exception, comes back."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=timeout)

"""The load bench's CPU accounting (bench/cluster_servers.py), on this test's own process."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.cluster_servers import cpu_seconds

BURN = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"


def test_children_that_ended_count_only_when_asked() -> None:
    # PostgreSQL's backends end with their connections: their CPU must not vanish from the sum.
    own, reaped = cpu_seconds(os.getpid()), cpu_seconds(os.getpid(), reaped=True)
    subprocess.run([sys.executable, "-c", BURN], check=True)  # waited for: reaped
    assert cpu_seconds(os.getpid(), reaped=True) - reaped >= 0.4
    assert cpu_seconds(os.getpid()) - own < 0.3  # the test itself only waited

"""Loopback ports for the servers a test starts (gateway, stand-ins, slapd, MariaDB...).

Asking the kernel for port 0 hands out a port from the *ephemeral* range, the same range
it picks the source port of every outgoing connection from. Between the moment a test
learns the port and the moment its server binds it, any client connection of the run
(thousands: gunicorn probes, MariaDB clients) may take it: CI saw ``Address already in use``
that way. So ports come from below the ephemeral range, are checked free, and are never
handed out twice in one process.
"""

from __future__ import annotations

import random
import socket
import threading

_handed_out: set[int] = set()
_lock = threading.Lock()


def _ephemeral_start() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback TCP port outside the ephemeral range that is free now."""
    upper = min(_ephemeral_start(), 65536)
    lower = max(10000, upper - 20000)
    with _lock:
        for _ in range(500):
            port = random.randrange(lower, upper)
            if port in _handed_out:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free loopback port between {lower} and {upper}")

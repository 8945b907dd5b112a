"""Starting a lab server for the tests: free loopback ports, and a start that fails the
tests needing it (never a skip: with CI set a missing server must not pass unnoticed, and
without CI it is just as broken), stopped by its pid file at the end."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest

T = TypeVar("T")


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@contextmanager
def running(what: str, start: Callable[[], T], stop: Callable[[], object]) -> Iterator[T]:
    """What ``start()`` gives, ``stop()`` called at the end; when ``start`` raises, the test
    fails naming ``what`` and the reason (``stop()`` cleans up what did start)."""
    try:
        info = start()
    except Exception as exc:  # any failure to start is reported, with its reason
        stop()
        where = " (CI is set)" if os.environ.get("CI") else ""
        pytest.fail(f"{what} could not start{where}: {exc}", pytrace=False)
    try:
        yield info
    finally:
        stop()

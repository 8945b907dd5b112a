"""The lab fixtures' start helper: a lab that cannot start fails (never skips) the tests
needing it, naming the reason, and what did start is stopped."""

from __future__ import annotations

import pytest

from .lab_helpers import free_ports, running


def _refused() -> None:
    raise OSError("address already in use")


@pytest.mark.parametrize(("ci", "said"), [("", ""), ("true", " (CI is set)")])
def test_a_lab_that_cannot_start_fails_and_is_stopped(
    monkeypatch: pytest.MonkeyPatch, ci: str, said: str
) -> None:
    monkeypatch.setenv("CI", ci)
    stopped: list[str] = []
    with (
        pytest.raises(pytest.fail.Exception) as failed,
        running("the lab's server", _refused, lambda: stopped.append("x")),
    ):
        pytest.fail("the body ran")  # not reached: running() fails before it yields
    assert str(failed.value) == f"the lab's server could not start{said}: address already in use"
    assert stopped == ["x"]


def test_a_started_lab_is_given_and_stopped_once_at_the_end() -> None:
    stopped: list[str] = []
    with running("the lab's server", lambda: "info", lambda: stopped.append("x")) as info:
        assert info == "info" and stopped == []
    assert stopped == ["x"]


def test_free_ports_are_distinct_loopback_ports() -> None:
    ports = free_ports(3)
    assert len(set(ports)) == 3 and all(1024 <= p < 65536 for p in ports)

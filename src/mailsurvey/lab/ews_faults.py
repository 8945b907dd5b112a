"""Faults on demand: rules that make the next requests (of a mailbox, operation or user) fail.

A rule (JSON, posted to the server's ``/lab/faults``)::

    {"action": "server_busy", "mailbox": "jan.devries@acme.nl", "operation": "FindItem",
     "user": null, "count": 2, "skip": 0, "back_off_ms": 3000}

Actions: ``server_busy`` (SOAP fault ErrorServerBusy with BackOffMilliseconds, HTTP 500),
``server_busy_message`` (ErrorServerBusy in the response messages), ``http_401``,
``http_503`` (with ``retry_after`` seconds, if given), ``http_500``, ``reset`` (the TCP
connection is reset, no answer), ``slow`` (answer after ``delay`` seconds),
``nonexistent_mailbox`` (the mailbox is gone: ErrorNonExistentMailbox),
``move_in_progress`` (ErrorMailboxMoveInProgress). ``mailbox``, ``operation`` and ``user``
narrow what a rule matches (null: anything); ``skip`` lets that many matching requests
through first; ``count`` is how many it fails (null: every one from now on).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

ACTIONS = (
    "server_busy",
    "server_busy_message",
    "http_401",
    "http_503",
    "http_500",
    "reset",
    "slow",
    "nonexistent_mailbox",
    "move_in_progress",
)
MAILBOX_STATES = {
    "nonexistent_mailbox": "ErrorNonExistentMailbox",
    "move_in_progress": "ErrorMailboxMoveInProgress",
    "server_busy_message": "ErrorServerBusy",
}
_FIELDS = {
    "action", "mailbox", "operation", "user", "count", "skip", "back_off_ms",
    "retry_after", "delay",
}  # fmt: skip


@dataclass
class FaultRule:
    id: str
    action: str
    mailbox: str | None = None
    operation: str | None = None
    user: str | None = None
    count: int | None = 1  # how many more requests it fails; None: all
    skip: int = 0
    back_off_ms: int = 5000
    retry_after: int | None = None
    delay: float = 0.0
    hits: int = 0

    def matches(self, user: str | None, mailbox: str | None, operation: str) -> bool:
        return (
            (self.mailbox is None or self.mailbox == (mailbox or "").lower())
            and (self.operation is None or self.operation == operation)
            and (self.user is None or self.user.lower() == (user or "").lower())
        )


@dataclass
class Decision:
    """What the faults do to one request."""

    delay: float = 0.0
    stop: FaultRule | None = None  # answers instead of the server (busy, HTTP error, reset)
    broken: dict[str, str] = field(default_factory=dict)  # mailbox (or "*") -> error code
    back_off_ms: int = 5000
    fired: list[str] = field(default_factory=list)  # rule ids


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, data: dict[str, Any]) -> FaultRule:
        """Validate and add one rule; ValueError says what is wrong."""
        unknown = set(data) - _FIELDS
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        if data.get("action") not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        if data["action"] in ("nonexistent_mailbox", "move_in_progress") and not data.get(
            "mailbox"
        ):
            raise ValueError(f"{data['action']} needs a mailbox")
        for key in ("count", "skip", "back_off_ms", "retry_after"):
            value = data.get(key)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"{key} must be a whole number >= 0 (or null)")
        if not isinstance(data.get("delay", 0.0), int | float):
            raise ValueError("delay must be a number of seconds")
        with self._lock:
            rule = FaultRule(id=f"f{next(self._ids)}", **data)
            if rule.mailbox:
                rule.mailbox = rule.mailbox.lower()
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._rules]

    def decide(self, user: str | None, mailbox: str | None, operation: str) -> Decision:
        """Fire the rules that match this request (counting them down)."""
        decision = Decision()
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(user, mailbox, operation):
                    continue
                if rule.skip:
                    rule.skip -= 1
                    continue
                rule.hits += 1
                decision.fired.append(rule.id)
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                if rule.action == "slow":
                    decision.delay += rule.delay
                elif rule.action in MAILBOX_STATES:
                    decision.broken[rule.mailbox or "*"] = MAILBOX_STATES[rule.action]
                    decision.back_off_ms = rule.back_off_ms
                elif decision.stop is None:
                    decision.stop = rule
        return decision

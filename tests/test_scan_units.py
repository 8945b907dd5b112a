"""Failures become values: the credential gate and the one exception-to-reason map."""

from __future__ import annotations

import imaplib
import ssl
import threading
import time

import pytest

from mailsurvey.collectors.imap import CredentialGate, NotAttempted
from mailsurvey.collectors.imap_session import AuthRejected
from mailsurvey.model import Reason
from mailsurvey.scan import classify


def test_rejected_shared_credential_is_sent_once_whatever_the_concurrency() -> None:
    gate = CredentialGate()
    attempts = 0
    lock = threading.Lock()
    outcomes: list[str] = []

    def login() -> None:
        nonlocal attempts
        with lock:
            attempts += 1
        time.sleep(0.05)
        raise AuthRejected("[AUTHENTICATIONFAILED] Authentication failed.")

    def worker() -> None:
        try:
            gate.attempt(login)
        except AuthRejected:
            outcomes.append("rejected")
        except NotAttempted:
            outcomes.append("not attempted")

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert attempts == 1
    assert sorted(outcomes) == ["not attempted"] * 7 + ["rejected"]


def test_accepted_credential_lets_everyone_in_and_connection_errors_do_not_poison() -> None:
    gate = CredentialGate()
    with pytest.raises(ConnectionResetError):
        gate.attempt(lambda: (_ for _ in ()).throw(ConnectionResetError()))
    calls: list[int] = []
    gate.attempt(lambda: calls.append(1))
    gate.attempt(lambda: calls.append(2))
    assert calls == [1, 2]


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (AuthRejected("no"), Reason.AUTH),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), Reason.TLS),
        (TimeoutError("timed out"), Reason.TIMEOUT),
        (imaplib.IMAP4.abort("socket error: EOF"), Reason.DISCONNECTED),
        (ConnectionRefusedError(111, "Connection refused"), Reason.CONNECT),
        (
            imaplib.IMAP4.error("EXAMINE command error: NO [NONEXISTENT] Mailbox doesn't exist"),
            Reason.VANISHED,
        ),
        (imaplib.IMAP4.error("GETACL failed: BAD x"), Reason.PROTOCOL),
        (KeyError("x"), Reason.INTERNAL),
    ],
)
def test_classify(exc: BaseException, reason: Reason) -> None:
    got, message = classify(exc)
    assert got is reason and message

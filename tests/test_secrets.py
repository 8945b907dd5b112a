from __future__ import annotations

from pathlib import Path

import pytest

from mailsurvey.secrets import Secret, SecretError, SecretRef, resolve


def test_secret_never_shows_its_value() -> None:
    s = Secret("hunter2", "env X")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s) and "hunter2" not in f"{s}"
    assert s.reveal() == "hunter2"


def test_env_file_and_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MS_TEST_PW", "s3cret")
    assert resolve(SecretRef("t1", env="MS_TEST_PW")).reveal() == "s3cret"
    f = tmp_path / "pw"
    f.write_text("from-file\n")
    assert resolve(SecretRef("t2", file=f)).reveal() == "from-file"
    with pytest.raises(SecretError, match="MS_TEST_UNSET is not set"):
        resolve(SecretRef("t3", env="MS_TEST_UNSET"))
    with pytest.raises(SecretError, match="no terminal"):
        resolve(SecretRef("t4"), interactive=False)


def test_keyring_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return {("acme-imap", "admin"): "from-keyring"}.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        ref = SecretRef("kr1", keyring="acme-imap", keyring_default_user="admin")
        assert resolve(ref).reveal() == "from-keyring"
        assert resolve(SecretRef("kr2", keyring="acme-imap:admin")).reveal() == "from-keyring"
        with pytest.raises(SecretError, match="no keyring entry"):
            resolve(SecretRef("kr3", keyring="acme-imap:nobody"))
    finally:
        keyring.set_keyring(previous)

"""Config validation: one clear message per problem, secrets never in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailsurvey.config import ConfigError, load

GOOD = """\
project: Acme BV mail migration
client: Acme BV
language: nl
sources:
  - name: hosting
    type: imap
    host: mail.acme.nl
    auth: {method: master, user: admin, password_env: ACME_IMAP_MASTER}
    accounts: accounts.csv
"""


def write(tmp_path: Path, text: str, csv: str | None = "address\njan@acme.nl\n") -> Path:
    if csv is not None:
        (tmp_path / "accounts.csv").write_text(csv, encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(path)
    assert all(str(path) in line for line in str(info.value).splitlines())
    return info.value.problems


def test_good_config_resolves_paths_relative_to_the_file(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, GOOD))
    src = loaded.config.sources[0]
    assert src.effective_port == 993
    assert [a.address for a in loaded.accounts["hosting"]] == ["jan@acme.nl"]
    assert loaded.config.output_dir == tmp_path / "reports"
    assert loaded.config.language == "nl"


def test_each_problem_names_key_found_and_expected(tmp_path: Path) -> None:
    text = GOOD.replace("language: nl", "language: de\ncolour: blue").replace(
        "host: mail.acme.nl", "host: mail.acme.nl\n    port: 99999"
    )
    found = problems(write(tmp_path, text))
    assert "language: found 'de'; expected 'en', 'nl' or 'pl'" in found
    assert any(p.startswith("sources[0].port: found 99999") for p in found)
    assert any(p.startswith("colour: unknown key") for p in found)


def test_literal_password_refused_without_echoing_it(tmp_path: Path) -> None:
    text = GOOD.replace("password_env: ACME_IMAP_MASTER", "password: hunter2")
    found = problems(write(tmp_path, text))
    assert len(found) == 1
    assert "sources[0].auth" in found[0] and "password_env" in found[0]
    assert "hunter2" not in found[0]


def test_plain_needs_allow_insecure(tmp_path: Path) -> None:
    text = GOOD.replace("host: mail.acme.nl", "host: mail.acme.nl\n    security: plain")
    (msg,) = problems(write(tmp_path, text))
    assert "allow_insecure" in msg
    load(
        write(
            tmp_path, text.replace("security: plain", "security: plain\n    allow_insecure: true")
        )
    )


def test_unknown_source_type_is_named(tmp_path: Path) -> None:
    text = GOOD + "  - {name: x, type: exchange2003, url: 'https://x'}\n"
    expected = (
        "sources[1].type: found 'exchange2003'; expected one of: imap, active_directory, exchange"
    )
    assert any(p.startswith(expected) for p in problems(write(tmp_path, text)))


def test_exchange_source(tmp_path: Path) -> None:
    text = GOOD + (
        "  - name: ex\n    type: exchange\n    url: https://mail.acme.nl/EWS/Exchange.asmx\n"
        "    auth: {method: ntlm, user: ACME\\svc, password_env: X}\n"
        "    mailboxes: [jan@acme.nl, info@acme.nl]\n"
    )
    loaded = load(write(tmp_path, text))
    ex = loaded.config.sources[1]
    assert [a.address for a in loaded.accounts["ex"]] == ["jan@acme.nl", "info@acme.nl"]
    assert ex.type == "exchange" and ex.effective_port == 443 and ex.host == "mail.acme.nl"
    plain = text.replace("https://mail.acme.nl", "http://mail.acme.nl:8080")
    assert any(
        "url: http:// sends the credential unencrypted" in p
        for p in problems(write(tmp_path, plain))
    )


def test_accounts_csv_problems(tmp_path: Path) -> None:
    assert any(
        "does not exist" in p or "No such file" in p
        for p in problems(write(tmp_path, GOOD, csv=None))
    )
    found = problems(write(tmp_path, GOOD, csv="address,password\njan@acme.nl,x\n"))
    assert any("unknown column(s) password" in p for p in found)
    found = problems(write(tmp_path, GOOD, csv="address\njan@acme.nl\nJAN@acme.nl\n"))
    assert any("listed twice" in p for p in found)


def test_per_user_needs_a_credential_per_account(tmp_path: Path) -> None:
    text = GOOD.replace(
        "{method: master, user: admin, password_env: ACME_IMAP_MASTER}", "{method: per_user}"
    )
    found = problems(
        write(tmp_path, text, csv="address,password_env\njan@acme.nl,JAN_PW\npiet@acme.nl\n")
    )
    assert found == [
        "sources[0].accounts: piet@acme.nl: auth method per_user needs password_env or "
        "password_file for every account"
    ]


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    (msg,) = problems(write(tmp_path, "project: [unclosed\nclient: x\n"))
    assert "line" in msg and "not valid YAML" in msg


def test_inline_account_list(tmp_path: Path) -> None:
    text = GOOD.replace(
        "accounts: accounts.csv", "accounts: [a@acme.nl, {address: b@acme.nl, kind: shared}]"
    )
    loaded = load(write(tmp_path, text, csv=None))
    assert [(a.address, a.kind) for a in loaded.accounts["hosting"]] == [
        ("a@acme.nl", "user"),
        ("b@acme.nl", "shared"),
    ]


def test_every_sample_config_is_valid() -> None:
    from mailsurvey.demo import sample_configs_dir

    samples = sorted(sample_configs_dir().glob("*.yaml"))
    assert len(samples) >= 3
    for path in samples:
        if path.name == "lab.yaml":
            continue  # names the lab's files, which exist once the lab is up
        loaded = load(path)
        assert all(loaded.accounts.values()), path


PLAN = """\
probe: {seconds: 30, megabytes: 100, max_concurrency: 8}
plan:
  cutover: 2027-01-11T07:00
  timezone: Europe/Warsaw
  country: pl
  working_hours: "07:30-16:00"
  method: exo-imap
  concurrency: 20
"""


def test_plan_and_probe_sections(tmp_path: Path) -> None:
    config = load(write(tmp_path, GOOD + PLAN)).config
    assert config.plan.country == "PL" and config.plan.method == "exo-imap"
    assert config.plan.hours[0].isoformat() == "07:30:00"
    assert config.probe.seconds == 30 and config.probe.max_concurrency == 8
    defaults = load(write(tmp_path, GOOD)).config
    assert defaults.probe.enabled and defaults.plan.cutover is None


def test_plan_problems_name_the_key_and_what_is_expected(tmp_path: Path) -> None:
    text = GOOD + PLAN.replace("Europe/Warsaw", "Europe/Krakow").replace(
        "country: pl", "country: XX"
    )
    text = text.replace('"07:30-16:00"', '"7-16"').replace("exo-imap", "robocopy")
    text = text.replace("seconds: 30", "seconds: -1")
    found = problems(write(tmp_path, text))
    assert any(
        p.startswith("plan.timezone: found 'Europe/Krakow'; expected an IANA") for p in found
    )
    assert any(p.startswith("plan.country: found 'XX'; expected an ISO 3166") for p in found)
    assert any(p.startswith("plan.working_hours: found '7-16'") for p in found)
    assert any(p.startswith("plan.method: found 'robocopy'; expected one of") for p in found)
    assert any("mbsync" in p for p in found if p.startswith("plan.method"))
    assert any(p.startswith("probe.seconds: found -1") for p in found)


EWS = """\
  - name: ex
    type: exchange
    url: https://mail.acme.nl/EWS/Exchange.asmx
    auth: {AUTH}
    mailboxes: [jan@acme.nl]
"""


def ews(tmp_path: Path, auth: str) -> Path:
    return write(tmp_path, GOOD + EWS.replace("{AUTH}", auth))


def test_exchange_oauth2_takes_an_access_token(tmp_path: Path) -> None:
    (tmp_path / "t").write_text("x")
    loaded = load(ews(tmp_path, "{method: oauth2, user: svc-ews@acme.nl, token_file: t}"))
    auth = loaded.config.sources[1].auth
    assert auth.method == "oauth2" and auth.token_file == tmp_path / "t"
    ref = auth.token_ref("ex token")
    assert ref.file == tmp_path / "t" and not ref.env and not ref.keyring
    env = load(ews(tmp_path, "{method: oauth2, user: svc-ews@acme.nl, token_env: EWS_TOKEN}"))
    assert env.config.sources[1].auth.token_ref("ex").env == "EWS_TOKEN"


def test_exchange_oauth2_problems(tmp_path: Path) -> None:
    def one(auth: str) -> str:
        (msg,) = problems(ews(tmp_path, auth))
        assert msg.startswith("sources[1].auth"), msg
        return msg

    assert "token_env" in one("{method: oauth2, user: svc@acme.nl, token: eyJhbGciOi}")
    assert "eyJhbGciOi" not in one("{method: oauth2, user: svc@acme.nl, token: eyJhbGciOi}")
    assert "not a password" in one("{method: oauth2, user: svc@acme.nl, password_env: X}")
    assert "needs token_env, token_file or token_keyring" in one("{method: oauth2, user: s@a.nl}")
    assert "not several" in one("{method: oauth2, user: s@a.nl, token_env: A, token_file: b}")
    assert "for method oauth2" in one("{method: ntlm, user: s@a.nl, token_env: A}")
    (missing,) = problems(ews(tmp_path, "{method: oauth2, token_env: A}"))
    assert missing == "sources[1].auth.user: missing; this key is required"
    plain = GOOD + EWS.replace("{AUTH}", "{method: oauth2, user: s@a.nl, token_env: A}").replace(
        "https://", "http://"
    ).replace("mailboxes:", "allow_insecure: true\n    mailboxes:")
    (msg,) = problems(write(tmp_path, plain))
    assert "oauth2 needs https://" in msg

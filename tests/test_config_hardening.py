"""Config values that would leak a credential or break every report are refused when the
config is read, naming the key, never echoing a secret."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mailsurvey.config import ConfigError, ExchangeSource, load
from mailsurvey.model import ScanInfo
from mailsurvey.report import render

from .checks_helpers import GIB, NOW, folder, inventory

PASSWORD = "S3cr3t-never-shown-4711"
EWS = """\
project: P
client: C
sources:
  - name: exchange
    type: exchange
    url: {url}
    auth: {{method: ntlm, user: 'ACME\\svc', password_env: ACME_EWS}}
    mailboxes: [jan@acme.nl]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_ews_url_with_a_password_is_refused_without_echoing_it(tmp_path: Path) -> None:
    """The config is stored with the scan and shown on the About sheet and in
    inventory.json; a password in the URL would be there (and ``host`` read as the user)."""
    url = f"https://svc:{PASSWORD}@mail.acme.nl/EWS/Exchange.asmx"
    with pytest.raises(ConfigError) as info:
        load(_write(tmp_path, EWS.format(url=url)))
    (problem,) = info.value.problems
    assert problem.startswith("sources[0]: url: holds a user or password")
    assert PASSWORD not in str(info.value) and "svc:" not in str(info.value)
    plain = load(_write(tmp_path, EWS.format(url="https://mail.acme.nl:8443/EWS/Exchange.asmx")))
    source = plain.config.sources[0]
    assert isinstance(source, ExchangeSource)
    assert (source.host, source.effective_port) == ("mail.acme.nl", 8443)


PRICED = """\
project: P
client: C
sources:
  - {{name: dns, type: dns, domains: [acme.nl]}}
pricing: {{currency: EUR, per_mailbox: '{price}', per_gb: '0.5'}}
"""


def test_a_price_beyond_a_billion_is_refused_naming_the_key(tmp_path: Path) -> None:
    """1E+30 passed once and then made every report fail (its sums outgrew Decimal's 28
    digits when rounded to cents): now the config says so before the scan."""
    with pytest.raises(ConfigError) as info:
        load(_write(tmp_path, PRICED.format(price="1E+30")))
    assert info.value.problems == [
        "pricing.per_mailbox: found '1E+30'; expected less than or equal to 1000000000"
    ]
    loaded = load(_write(tmp_path, PRICED.format(price="1000000000")))
    pricing = loaded.config.pricing
    assert pricing is not None and pricing.per_mailbox == Decimal(10**9)
    # the highest prices the config takes still give every report
    inv = inventory(folder("a@x", bytes=3 * GIB), folder("b@x", bytes=7 * GIB))
    highest = {"per_mailbox": "1000000000", "per_gb": "1000000000", "fixed": "1000000000"}
    summary = {"targets": ["exo-imap"], "pricing": {"currency": "EUR", **highest}}
    inv.info = ScanInfo("P", "C", "en", NOW, "test", config_summary=summary)
    paths = render(inv, tmp_path / "out", formats=["xlsx", "html", "json"], now=NOW)
    assert [p.suffix for p in paths] == [".xlsx", ".html", ".json"]

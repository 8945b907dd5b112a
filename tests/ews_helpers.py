"""The EWS tests' config and scan against the lab's EWS server (``ews_lab``); its ground
truth and a fault-free server are the fixtures ``ews_truth`` and ``ews_no_faults``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mailsurvey.config import load
from mailsurvey.lab import EwsInfo
from mailsurvey.scan import ScanResult, run_scan
from mailsurvey.store import Inventory, Store

JAN, EMMA, PIETER = "jan.devries@acme.nl", "emma.visser@acme.nl", "pieter.jansen@acme.nl"


def ntlm(info: EwsInfo, password_file: Path | None = None) -> dict[str, Any]:
    """The lab's service account over NTLM (its password file unless another is given)."""
    return {
        "method": "ntlm",
        "user": info.service_user,
        "password_file": str(password_file or info.service_password_file),
    }


def ews_config(
    info: EwsInfo,
    out: Path,
    mailboxes: list[str],
    *,
    auth: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    **source: Any,
) -> Path:
    """``out/config.yaml``: one Exchange source of the lab reading ``mailboxes`` (``auth``:
    NTLM unless given; ``source``: more of its keys); ``settings``: top-level keys, the
    probe off unless they name it."""
    exchange = {
        "name": "exchange",
        "type": "exchange",
        "url": info.url,
        "ca_file": str(info.ca_file),
        "auth": auth or ntlm(info),
        "mailboxes": mailboxes,
        **source,
    }
    data = {"project": "p", "client": "Acme", "output_dir": str(out), "sources": [exchange],
            "probe": {"enabled": False}, **(settings or {})}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def scan(path: Path) -> tuple[ScanResult, Inventory]:
    """Scan with the config at ``path`` into a store beside it."""
    with Store(path.parent / "scan.sqlite") as store:
        result = run_scan(load(path), store, show_progress=False)
        return result, store.inventory()


M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"


def envelope(body: str, impersonate: str | None = None) -> str:
    """A SOAP request as EWS clients send it: the server version, impersonation if any."""
    header = '<t:RequestServerVersion Version="Exchange2016"/>'
    if impersonate:
        header += (
            "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>"
            f"{impersonate}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:m="{M}" xmlns:t="{T}"><s:Header>{header}</s:Header>'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    )

"""`mailsurvey demo`: lab up, seed, scan with sample_configs/lab.yaml, reports."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml
from rich.console import Console

from .config import ConfigError, load
from .lab import (
    AdInfo,
    DnsInfo,
    EwsInfo,
    LabError,
    LabInfo,
    accounts_csv,
    ad_seed,
    ad_up,
    default_lab_dir,
    dns_up,
    ews_up,
    seed,
    up,
)
from .scan import FatalScanError, run_scan
from .store import Store


def sample_configs_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "sample_configs", here.parents[1] / "sample_configs"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("sample_configs/ is not installed with this mailsurvey")


def lab_config(
    info: LabInfo,
    out_dir: Path,
    ad: AdInfo | None = None,
    *,
    ews: EwsInfo | None = None,
    probe: dict[str, object] | None = None,
    plan: dict[str, object] | None = None,
    dns: DnsInfo | None = None,
    **source_changes: object,
) -> Path:
    """sample_configs/lab.yaml pointed at this lab (its port, CA, secrets, accounts) and
    writing into ``out_dir``; ``source_changes`` override keys of the IMAP source,
    ``probe`` and ``plan`` keys of those sections. The directory source stays only when
    ``ad`` (the lab's running DC) is given, an Exchange source is added when ``ews`` (the
    lab's EWS server) is, a DNS source when ``dns`` (the lab's DNS server) is."""
    data = yaml.safe_load((sample_configs_dir() / "lab.yaml").read_text(encoding="utf-8"))
    imap = next(s for s in data["sources"] if s["type"] == "imap")
    imap.update(
        host=info.host,
        port=info.imaps_port,
        ca_file=str(info.ca_file),
        accounts=str(accounts_csv(info.lab_dir)),
    )
    imap["auth"]["password_file"] = str(info.master_password_file)
    imap.update(source_changes)
    data["sources"] = [imap]
    if ad is not None:
        data["sources"].append(
            {
                "name": "lab-ad",
                "type": "active_directory",
                "host": ad.host,
                "port": ad.ldaps_port,
                "ca_file": str(ad.ca_file),
                "bind_user": ad.bind_netbios,
                "password_file": str(ad.bind_password_file),
                "base_dn": ad.base_dn,
            }
        )
    if ews is not None:
        truth = json.loads(ews.ground_truth.read_text(encoding="utf-8"))
        data["sources"].append(
            {
                "name": "lab-exchange",
                "type": "exchange",
                "url": ews.url,
                "ca_file": str(ews.ca_file),
                "auth": {
                    "method": "ntlm",
                    "user": ews.service_user,
                    "password_file": str(ews.service_password_file),
                },
                "mailboxes": sorted(truth["mailboxes"]),
            }
        )
    if dns is not None:  # the directory's accepted domains, or the lab's own list
        data["sources"].append(
            {
                "name": "lab-dns",
                "type": "dns",
                "domains": "from_ad" if ad is not None else list(dns.domains),
                "nameservers": [f"{dns.host}:{dns.port}"],
                "dkim_selectors": [dns.dkim_selector],
            }
        )
    for section, changes in (("probe", probe), ("plan", plan)):
        if changes:
            data[section] = {**data.get(section, {}), **changes}
    data["output_dir"] = str(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "lab.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def start_directory(lab_dir: Path, err: Console) -> AdInfo | None:
    """The lab's Samba DC, seeded; None (and why) where it cannot run, e.g. not as root."""
    try:
        ad = ad_up(lab_dir)
        ad_seed(lab_dir)
    except LabError as exc:
        err.print(
            f"the directory lab (Samba AD) is not part of this demo: {exc}",
            highlight=False,
            markup=False,
        )
        return None
    return ad


def start_exchange(lab_dir: Path, err: Console) -> EwsInfo | None:
    """The lab's EWS server (the organisation as Exchange 2019 serves it); None, and why,
    where it cannot start."""
    try:
        return ews_up(lab_dir)
    except LabError as exc:
        err.print(
            f"the Exchange lab (EWS) is not part of this demo: {exc}", highlight=False, markup=False
        )
        return None


def start_dns(lab_dir: Path, err: Console) -> DnsInfo | None:
    """The lab's DNS server (Knot) with the organisation's mail domains; None, and why,
    where it cannot start."""
    try:
        return dns_up(lab_dir)
    except LabError as exc:
        err.print(f"the DNS lab (Knot) is not part of this demo: {exc}", highlight=False,
                  markup=False)  # fmt: skip
        return None


def demo_cutover(today: date | None = None) -> str:
    """The demo's cutover: a Monday 07:00 three to four weeks ahead (a fixed date in the
    sample config would soon lie in the past)."""
    day = (today or date.today()) + timedelta(days=21)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return f"{day.isoformat()}T07:00"


def run_demo(out_dir: Path, out: Console, err: Console) -> int:
    from .report import FORMATS, render

    lab_dir = default_lab_dir()
    try:
        out.print(f"starting the lab in {lab_dir} ...", highlight=False)
        info = up(lab_dir)
        out.print("seeding the test organisation ...")
        seed(lab_dir)
    except LabError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return 1
    out.print("starting and seeding the directory (Samba AD) ...")
    ad = start_directory(lab_dir, err)
    out.print("starting the Exchange server (EWS) ...")
    ews = start_exchange(lab_dir, err)
    out.print("starting the DNS server (Knot) ...")
    dns = start_dns(lab_dir, err)
    cutover: dict[str, object] = {"cutover": demo_cutover()}
    config_path = lab_config(info, out_dir.resolve(), ad, ews=ews, plan=cutover, dns=dns)
    try:
        loaded = load(config_path)
        with Store(out_dir / "scan.sqlite") as store:
            result = run_scan(loaded, store, console=err)
            paths = render(store.inventory(), out_dir, FORMATS, loaded.config.language)
    except (ConfigError, FatalScanError) as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return 2
    ok = result.counts.get("account:ok", 0)
    total = sum(v for k, v in result.counts.items() if k.startswith("account:"))
    sources = "IMAP and Exchange" if ews is not None else "IMAP"
    out.print(
        f"scanned {ok}/{total} mailboxes of the lab organisation ({sources})", highlight=False
    )
    if ad is not None:
        parts = result.counts.get("partition:ok", 0)
        out.print(f"scanned {parts}/2 partitions of its directory", highlight=False)
    if dns is not None:
        domains = result.counts.get("domain:ok", 0)
        out.print(f"read the DNS records of {domains} mail domains", highlight=False)
    for path in paths:
        out.print(f"report: {path.resolve()}", highlight=False)
    command = sys.argv[0] if sys.argv[0].endswith("mailsurvey") else "mailsurvey"
    out.print(f"the lab keeps running; stop it with: {command} lab down", highlight=False)
    return 0 if result.all_ok else 3

"""Benchmark: what the EWS throughput probe measures on the lab, and the forecast from it.

Starts the lab's EWS server in a lab of its own (temp dir, free port, NTLM, the standard
organisation: sizes as the IMAP lab's), scans every mailbox (no probe), then runs the
probe (``mailsurvey probe``'s library call) within its budget and prints per concurrency
level what it measured: messages/s and MB/s of all connections together, one
connection's cost per message and per request, the requests and the back-offs the server
asked for; then the forecast of the lab's Exchange mailboxes with Google Workspace
Migrate (reads EWS) at the planned concurrency. With ``--rtt-ms`` / ``--rate-mbit`` the
probe goes through bench/netshape.py's shaping proxy, as to a server that far away on
that link; with ``--busy-ms`` the server answers every fifth GetItem with ErrorServerBusy
asking for that back-off (the lab's faults on demand). Asserts nothing.

    .venv/bin/python bench/probe_ews.py [--seconds 20] [--megabytes 200]
        [--concurrency 8] [--rtt-ms 0] [--rate-mbit 0] [--busy-ms 0]
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from mailsurvey.assess.estimate import forecast
from mailsurvey.assess.methods import PROFILES
from mailsurvey.assess.throughput import fit
from mailsurvey.config import load
from mailsurvey.lab import ews_down, ews_faults, ews_requests, ews_up
from mailsurvey.model import Unit
from mailsurvey.scan import run_probe, run_scan
from mailsurvey.store import Inventory, Store

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from netshape import Shaper  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0, help="probe time budget")
    ap.add_argument("--megabytes", type=float, default=200.0, help="probe volume budget")
    ap.add_argument("--concurrency", type=int, default=8, help="highest level = the plan's")
    ap.add_argument("--rtt-ms", type=float, default=0.0)
    ap.add_argument("--rate-mbit", type=float, default=0.0, help="per direction; 0: none")
    ap.add_argument("--busy-ms", type=int, default=0, help="ErrorServerBusy on GetItem")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailsurvey-bench-ews-probe-") as tmp:
        work = Path(tmp)
        info = ews_up(work / "lab", free_port(), auth=("ntlm",))
        link = None
        try:
            url = info.url
            if args.rtt_ms or args.rate_mbit:
                link = Shaper(
                    (info.host, info.port),
                    delay=args.rtt_ms / 2000,
                    rate_mbit=args.rate_mbit or None,
                ).start()
                url = info.url.replace(f":{info.port}/", f":{link.port}/")
            truth = json.loads(info.ground_truth.read_text(encoding="utf-8"))
            source = {
                "name": "exchange",
                "type": "exchange",
                "url": url,
                "ca_file": str(info.ca_file),
                "auth": {
                    "method": "ntlm",
                    "user": info.service_user,
                    "password_file": str(info.service_password_file),
                },
                "mailboxes": sorted(truth["mailboxes"]),
                "concurrency": 4,
            }
            doc = {
                "project": "bench",
                "client": "bench",
                "output_dir": str(work / "out"),
                "sources": [source],
                "probe": {
                    "seconds": args.seconds,
                    "megabytes": args.megabytes,
                    "max_concurrency": args.concurrency,
                },
                "plan": {"method": "google-gwm", "concurrency": args.concurrency},
            }
            (work / "out").mkdir()
            path = work / "out" / "config.yaml"
            path.write_text(yaml.safe_dump(doc), encoding="utf-8")
            loaded = load(path)
            with Store(work / "out" / "scan.sqlite") as store:
                t = time.perf_counter()
                run_scan(loaded, store, show_progress=False, probe=False)
                took = time.perf_counter() - t
                print(f"scan of {len(truth['mailboxes'])} mailboxes: {took:.1f} s")
                if args.busy_ms:  # one rule per busy answer: the 5th, 10th, ... GetItem
                    rule = {"action": "server_busy", "operation": "GetItem", "count": 1,
                            "back_off_ms": args.busy_ms}  # fmt: skip
                    ews_faults(info.lab_dir, *[{**rule, "skip": 4 * k} for k in range(1, 200)])
                first = len(ews_requests(info.lab_dir))
                t = time.perf_counter()
                (unit,) = run_probe(loaded, store)
                took = time.perf_counter() - t
                inv = store.inventory()
            log = ews_requests(info.lab_dir)[first:]
            report(args, unit, inv, log, took)
        finally:
            if link is not None:
                link.stop()
            ews_down(info.lab_dir)


def report(
    args: argparse.Namespace, unit: Unit, inv: Inventory, log: list[dict[str, Any]], took: float
) -> None:
    shaped = f", rtt {args.rtt_ms:g} ms" if args.rtt_ms else ""
    shaped += f", {args.rate_mbit:g} Mbit/s" if args.rate_mbit else ""
    print(
        f"probe: {unit.status.value} {unit.message} in {took:.1f} s "
        f"(budget {args.seconds:g} s, {args.megabytes:g} MB{shaped})"
    )
    samples = inv.probe_samples
    model = fit(samples)
    if model is None:
        print("  nothing measured")
        return
    ops = Counter(e["operation"] for e in log if e["operation"])
    print("  requests: " + ", ".join(f"{op} {n}" for op, n in sorted(ops.items())))
    print(f"  round trip (GetFolder) {model.rtt_s * 1000:.1f} ms")
    print("  conns  messages/s   MB/s  per message ms  per request ms  login ms  batches  backoffs")
    for lv in model.levels:
        at = [s for s in samples if s.concurrency == lv.concurrency]
        waits = [s.seconds for s in at if s.kind == "backoff"]
        print(
            f"  {lv.concurrency:5d}  {lv.messages_per_s:10.1f} {lv.bytes_per_s / 2**20:6.1f}"
            f"  {lv.per_message_s * 1000:14.2f}  {lv.per_request_s * 1000:14.2f}"
            f"  {lv.login_s * 1000:8.1f}  {lv.samples:7d}  {len(waits):8d}"
        )
    reads = [s for s in samples if s.kind == "getitem_mime"]
    read, items = sum(s.bytes for s in reads), sum(s.messages for s in reads)
    print(f"  read {read / 2**20:.1f} MB in {items} items")
    for method in ("google-gwm", "mbsync"):
        f = forecast(inv, PROFILES[method], args.concurrency)
        known = [m for m in f.mailboxes if m.p50_s is not None]
        total = sum(m.bytes or 0 for m in known)
        print(
            f"forecast, {method} at {f.concurrency} mailboxes at once: {len(known)} of "
            f"{len(f.mailboxes)} mailboxes ({total / 2**20:.0f} MB), P50 {f.p50_s:.1f} s, "
            f"P90 {f.p90_s:.1f} s; ends last: {f.bounding}; notes: {', '.join(f.notes) or '-'}"
        )
        for m in sorted(known, key=lambda m: -(m.p50_s or 0))[:3]:
            print(
                f"  {m.address}: {m.items} items, {(m.bytes or 0) / 2**20:.1f} MB, "
                f"P50 {m.p50_s:.2f} s, P90 {m.p90_s:.2f} s ({m.bound_by})"
            )


if __name__ == "__main__":
    main()

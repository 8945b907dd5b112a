"""Benchmark: the EWS collector against the lab's EWS server, requests, speed and memory.

Starts the lab's EWS server in a lab of its own (temp dir, free port, NTLM) with the large
profile (default 500 mailboxes) and bulk@'s folder of 200,000 items, then scans the
mailboxes with mailsurvey at concurrency 1, 4 and 10, each in a fresh process (so peak
RSS, VmHWM, is that run's), and bulk@ alone. Prints per run: wall time, mailboxes/s, peak
RSS, the requests per mailbox by operation from the server's request log (NTLM handshake
lines apart: they carry no operation), and the server's CPU per request (it runs in its own
process; near 100 % of the wall time, the bench would measure the server, not mailsurvey).
With ``--rtt-ms`` the scans go through bench/netshape.py's delaying proxy, as to a server
that far away. Goal (issue 5): at most 4 requests per mailbox plus paging. Asserts nothing.

    .venv/bin/python bench/scan_ews.py [--mailboxes 500] [--concurrency 1,4,10]
        [--big-folder 200000] [--rtt-ms 0]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from mailsurvey.lab import EwsInfo, ews_down, ews_requests, ews_status, ews_up

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from netshape import Shaper  # noqa: E402

TOP, RECOVERABLE = "Top of Information Store/", "Recoverable Items/"

# Runs mailsurvey's scan in a fresh process and prints its figures as JSON.
SCAN = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from imap_floor import peak_rss_mb
from mailsurvey.config import load
from mailsurvey.scan import run_scan
from mailsurvey.store import Store
loaded = load(Path(sys.argv[1]))
imported_mb = peak_rss_mb()
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
start, cpu0 = time.perf_counter(), cpu()
with Store(Path(sys.argv[2])) as store:
    result = run_scan(loaded, store, show_progress=False)
    seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu0
    inv = store.inventory()
print(json.dumps({
    "seconds": seconds,
    "cpu": cpu_seconds,
    "ok": sum(1 for u in inv.units if u.kind.value == "account" and u.status.value == "ok"),
    "folders": len(inv.folders),
    "items": sum(f.messages or 0 for f in inv.folders),
    "failures": [f"{u.key}: {u.reason.value} {u.message}"[:200] for u in result.failures],
    "imported_mb": imported_mb,
    "peak_rss_mb": peak_rss_mb(),
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config(info: EwsInfo, out: Path, mailboxes: list[str], concurrency: int, url: str) -> Path:
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
        "access": "impersonation",
        "mailboxes": mailboxes,
        "concurrency": concurrency,
    }
    data = {"project": "bench", "client": "bench", "output_dir": str(out), "sources": [source]}
    out.mkdir(parents=True, exist_ok=True)
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (its threads included), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scan(
    info: EwsInfo, work: Path, tag: str, mailboxes: list[str], n: int, url: str
) -> dict[str, Any]:
    """One scan in a fresh process; its figures, the server's CPU and its request log lines."""
    out = work / tag
    path = config(info, out, mailboxes, n, url)
    pid = ews_status(info.lab_dir)["pid"]
    first, cpu = len(ews_requests(info.lab_dir)), cpu_seconds(pid)
    cmd = [sys.executable, "-c", SCAN, str(path), str(out / "scan.sqlite"), str(HERE)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 3):
        sys.exit(f"the scan failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["server_cpu"] = cpu_seconds(pid) - cpu
    result["log"] = ews_requests(info.lab_dir)[first:]
    return result


def expected(truth: dict[str, Any], mailboxes: list[str]) -> tuple[int, int]:
    """(folders, items) a complete scan of ``mailboxes`` finds: those below the roots."""
    folders = items = 0
    for address in mailboxes:
        for store in truth["mailboxes"][address]["stores"].values():
            for path, f in store["folders"].items():
                if path.startswith((TOP, RECOVERABLE)):
                    folders += 1
                    items += f["total_count"]
    return folders, items


def report(title: str, r: dict[str, Any], mailboxes: int, want: tuple[int, int]) -> None:
    log, s = r["log"], r["seconds"]
    ops = Counter(e["operation"] for e in log if e["operation"])
    handshake = Counter(e["auth_result"] for e in log if not e["operation"])
    per_box = Counter(e["operation"] for e in log if e["operation"] and e["mailbox"])
    on_boxes = sum(per_box.values())
    cpu = r["server_cpu"]
    print(title)
    print(
        f"  {s:7.2f} s  {mailboxes / s:7.1f} mailboxes/s  peak RSS {r['peak_rss_mb']:6.1f} MB"
        f" (after imports {r['imported_mb']:.1f} MB)  {r['ok']}/{mailboxes} ok"
    )
    print(
        f"  requests about a mailbox: {on_boxes / mailboxes:.2f} per mailbox ("
        + ", ".join(f"{op} {n / mailboxes:.2f}" for op, n in sorted(per_box.items()))
        + ")"
    )
    print(
        "  all EWS requests: "
        + ", ".join(f"{op} {n}" for op, n in sorted(ops.items()))
        + f"; NTLM handshake lines {sum(handshake.values())} ("
        + ", ".join(f"{k} {n}" for k, n in sorted(handshake.items(), key=str))
        + f") on {len({e['conn'] for e in log})} connections"
    )
    print(
        f"  CPU: mailsurvey {r['cpu']:.2f} s ({r['cpu'] / s:.0%} of the wall time,"
        f" {r['cpu'] / mailboxes * 1000:.1f} ms per mailbox); server {cpu:.2f} s"
        f" ({cpu / s:.0%}, {cpu / max(len(log), 1) * 1000:.2f} ms per request)"
    )
    if (r["folders"], r["items"]) != want or r["failures"]:
        print(f"  MISMATCH: found {r['folders']} folders, {r['items']} items; truth {want}")
        for line in r["failures"][:5]:
            print(f"    {line}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailboxes", type=int, default=500)
    ap.add_argument("--concurrency", default="1,4,10", help="comma-separated")
    ap.add_argument("--big-folder", type=int, default=200_000, help="items; 0 skips that run")
    ap.add_argument("--rtt-ms", type=float, default=0.0, help="through a delaying proxy")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    with tempfile.TemporaryDirectory(prefix="mailsurvey-bench-ews-") as tmp:
        work = Path(tmp)
        lab_dir = work / "lab"
        t = time.perf_counter()
        info = ews_up(
            lab_dir,
            free_port(),
            auth=("ntlm",),
            profile="large",
            mailboxes=args.mailboxes,
            big_folder=args.big_folder,
        )
        link = None
        url = info.url
        try:
            if args.rtt_ms:  # bench/netshape.py: a fixed one-way delay each way, TLS untouched
                link = Shaper((info.host, info.port), delay=args.rtt_ms / 2000).start()
                url = info.url.replace(f":{info.port}/", f":{link.port}/")
            truth = json.loads(info.ground_truth.read_text(encoding="utf-8"))
            bulk = (truth["places"].get("big_folder") or {}).get("mailbox")
            boxes = sorted(a for a in truth["mailboxes"] if a != bulk)
            want = expected(truth, boxes)
            print(
                f"EWS server up in {time.perf_counter() - t:.1f} s ({truth['profile']}): "
                f"{len(boxes)} mailboxes, {want[0]} folders, {want[1]} items, "
                f"{len(truth['places']['archived'])} archives; RTT added {args.rtt_ms:g} ms"
            )
            for n in levels:
                r = scan(info, work, f"c{n}", boxes, n, url)
                report(f"concurrency {n}", r, len(boxes), want)
            if bulk:
                r = scan(info, work, "big", [bulk], 1, url)
                items = args.big_folder
                report(f"{bulk} alone (one folder of {items} items)", r, 1, expected(truth, [bulk]))
        finally:
            if link is not None:
                link.stop()
            ews_down(lab_dir)


if __name__ == "__main__":
    main()

"""Benchmark: scan speed and memory of the IMAP collector against the lab's Dovecot.

Seeds a larger organisation in a lab of its own (loopback, free ports), then scans it
with mailsurvey and with a bare floor script (bench/imap_floor.py: the same commands over
raw sockets) at the same concurrency, alternating, after one untimed warm-up pass that
lets Dovecot build its indexes; both with the server counting (count_method auto) and
reading every message (fetch). Then scans one folder of 1,000,000 messages for peak RSS.
Prints figures; asserts nothing (compare the ratios of one run).

    .venv/bin/python bench/scan_imap.py [--mailboxes 200] [--messages 2000]
        [--concurrency 8] [--huge 1000000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mailsurvey.demo import lab_config
from mailsurvey.lab import LabInfo, accounts_csv, down, seed, up

HERE = Path(__file__).resolve().parent

# Runs mailsurvey's scan in a fresh process and prints its figures as JSON.
MAILSURVEY_RUN = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from imap_floor import peak_rss_mb
from mailsurvey.config import load
from mailsurvey.scan import run_scan
from mailsurvey.store import Store
loaded = load(Path(sys.argv[1]))
store_path = Path(sys.argv[2])
start = time.perf_counter()
with Store(store_path) as store:
    result = run_scan(loaded, store, show_progress=False)
    seconds = time.perf_counter() - start
    inv = store.inventory()
print(json.dumps({
    "seconds": seconds,
    "mailboxes": sum(1 for u in inv.units if u.kind.value == "account"),
    "folders": len(inv.folders),
    "messages": sum(f.messages or 0 for f in inv.folders),
    "failures": len(result.failures),
    "peak_rss_mb": peak_rss_mb(),
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_json(cmd: list[str]) -> dict[str, float]:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def mailsurvey(
    info: LabInfo, work: Path, concurrency: int, tag: str, mode: str = "auto"
) -> dict[str, float]:
    out = work / tag
    config = lab_config(
        info, out, probe={"enabled": False}, concurrency=concurrency, count_method=mode
    )
    store = out / "scan.sqlite"
    store.unlink(missing_ok=True)
    return run_json([sys.executable, "-c", MAILSURVEY_RUN, str(config), str(store), str(HERE)])


def floor(info: LabInfo, concurrency: int, mode: str = "auto") -> dict[str, float]:
    return run_json(
        [
            sys.executable,
            str(HERE / "imap_floor.py"),
            info.host,
            str(info.imaps_port),
            str(info.ca_file),
            info.master_user,
            str(info.master_password_file),
            str(accounts_csv(info.lab_dir)),
            str(concurrency),
            mode,
        ]
    )


def compare(info: LabInfo, work: Path, concurrency: int, rounds: int, mode: str) -> None:
    ours, bare = [], []
    for i in range(rounds):
        ours.append(mailsurvey(info, work, concurrency, f"{mode}{i}", mode))
        bare.append(floor(info, concurrency, mode))
    m = statistics.median(r["seconds"] for r in ours)
    f = statistics.median(r["seconds"] for r in bare)
    print(f"count_method {mode}, concurrency {concurrency}, median of {rounds} rounds")
    print(f"  mailsurvey: {rates(min(ours, key=lambda r: r['seconds']))}")
    print(f"  floor:      {rates(min(bare, key=lambda r: r['seconds']))}")
    print(f"  mailsurvey / floor time: {m / f:.2f}x (goal <= 1.5x)")
    if ours[0]["messages"] != bare[0]["messages"] or ours[0]["failures"]:
        print(f"  MISMATCH: mailsurvey {ours[0]} floor {bare[0]}")


def rates(r: dict[str, float]) -> str:
    s = r["seconds"]
    return (
        f"{s:7.2f} s  {r['mailboxes'] / s:7.1f} mailboxes/s  {r['folders'] / s:8.1f} folders/s"
        f"  {r['messages'] / s:10.0f} messages/s  peak RSS {r['peak_rss_mb']:6.1f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailboxes", type=int, default=200)
    ap.add_argument("--messages", type=int, default=2000, help="per mailbox")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--huge", type=int, default=1_000_000, help="messages in one folder; 0 skips")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="mailsurvey-bench-") as tmp:
        work = Path(tmp)
        lab_dir = work / "lab"
        info = up(lab_dir, free_port(), free_port())
        try:
            t = time.perf_counter()
            seed(
                lab_dir,
                profile="large",
                mailboxes=args.mailboxes,
                messages_per_mailbox=args.messages,
            )
            print(
                f"seeded {args.mailboxes} mailboxes x {args.messages} messages in "
                f"{time.perf_counter() - t:.1f} s"
            )
            floor(info, args.concurrency, "fetch")  # warm-up: Dovecot builds its indexes
            for mode in ("auto", "fetch"):
                compare(info, work, args.concurrency, args.rounds, mode)

            if args.huge:
                t = time.perf_counter()
                seed(lab_dir, profile="huge_folder", messages=args.huge)
                print(
                    f"seeded one folder of {args.huge} messages in {time.perf_counter() - t:.1f} s"
                )
                floor(info, 1, "fetch")  # warm-up
                for mode in ("auto", "fetch"):
                    huge = mailsurvey(info, work, 1, f"huge-{mode}", mode)
                    print(
                        f"  one folder of {args.huge} messages, count_method {mode}: "
                        f"{rates(huge)} (goal: RSS < 150 MB)"
                    )
        finally:
            down(lab_dir)


if __name__ == "__main__":
    main()

"""Benchmark: reading mail exports on disk, in bounded memory.

Writes an mbox file and a Maildir folder of ``--messages`` messages each (sizes cycling
from 2 KB to 200 KB), and one mbox holding a single ``--large-mb`` message, then reads
each with the offline collector's readers in a fresh process and prints the time and the
process's peak memory (the readers hold one message's headers at a time, never a folder).

    .venv/bin/python bench/scan_mail_files.py [--messages 20000] [--large-mb 300]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (2048, 10_240, 51_200, 204_800)
FROM = b"From bench@example.org Mon Jan  1 00:00:00 2024\n"


def message(i: int, size: int) -> bytes:
    head = f"Date: Mon, 01 Jan 2024 00:{i % 60:02d}:00 +0000\nSubject: {i}\n\n".encode()
    return head + b"x" * (size - len(head) - 1) + b"\n"


def write_inputs(root: Path, messages: int, large_mb: int) -> None:
    with (root / "many.mbox").open("wb") as fh:
        for i in range(messages):
            fh.write(FROM + message(i, SIZES[i % len(SIZES)]) + b"\n")
    for sub in ("cur", "new", "tmp"):
        (root / "maildir" / sub).mkdir(parents=True)
    for i in range(messages):
        data = message(i, SIZES[i % len(SIZES)])
        (root / "maildir" / "cur" / f"{i}.M1P1.bench,S={len(data)}:2,S").write_bytes(data)
    with (root / "large.mbox").open("wb") as fh:
        fh.write(FROM + b"Date: Mon, 01 Jan 2024 00:00:00 +0000\n\n")
        chunk = b"y" * 1023 + b"\n"
        for _ in range(large_mb * 1024):
            fh.write(chunk)
        fh.write(b"\n")


READ = """
import json, resource, sys, time
from pathlib import Path
from mailsurvey.collectors.mail_files_read import maildir_figures, mbox_figures
kind, path = sys.argv[1], Path(sys.argv[2])
start = time.perf_counter()
counted = (maildir_figures if kind == "maildir" else mbox_figures)(path)
print(json.dumps({"messages": counted.agg.messages, "bytes": counted.agg.bytes,
                  "seconds": time.perf_counter() - start,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--large-mb", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailsurvey-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        write_inputs(root, args.messages, args.large_mb)
        print(f"inputs written in {time.perf_counter() - started:.1f} s")
        for kind, name in (("mbox", "many.mbox"), ("maildir", "maildir"), ("mbox", "large.mbox")):
            done = subprocess.run(
                [sys.executable, "-c", READ, kind, str(root / name)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            got = json.loads(done.stdout)
            print(f"{name:11} {got['messages']:>7} messages {got['bytes'] / 2**20:>8.1f} MiB "
                  f"{got['seconds']:>6.2f} s  peak RSS {got['peak_rss_mb']:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()

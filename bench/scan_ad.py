"""Benchmark: the Active Directory collector against the lab's Samba DC.

Seeds a bulk directory (default 10,000 users and 3,000 ActiveSync devices) in a lab of
its own, scans it in a fresh process and prints seconds and peak RSS (goal: under 20 s
and under 300 MB). Prints figures; asserts nothing.

    .venv/bin/python bench/scan_ad.py [--users 10000] [--devices 3000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from mailsurvey.lab import ad_down, ad_seed, ad_up

HERE = Path(__file__).resolve().parent

SCAN = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from imap_floor import peak_rss_mb
from mailsurvey.config import load
from mailsurvey.scan import run_scan
from mailsurvey.store import Store
loaded = load(Path(sys.argv[1]))
start = time.perf_counter()
with Store(Path(sys.argv[2])) as store:
    result = run_scan(loaded, store, show_progress=False)
    seconds = time.perf_counter() - start
    inv = store.inventory()
print(json.dumps({
    "seconds": seconds, "identities": len(inv.identities), "devices": len(inv.devices),
    "memberships": len(inv.group_members), "permissions": len(inv.permissions),
    "failures": len(result.failures), "peak_rss_mb": peak_rss_mb(),
}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=10_000)
    ap.add_argument("--devices", type=int, default=3_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailsurvey-bench-ad-") as tmp:
        work = Path(tmp)
        lab_dir = work / "lab"
        t = time.perf_counter()
        info = ad_up(lab_dir)
        print(f"DC up in {time.perf_counter() - t:.1f} s")
        try:
            t = time.perf_counter()
            ad_seed(lab_dir, profile="bulk", users=args.users, devices=args.devices)
            print(
                f"seeded {args.users} users, {args.devices} devices in "
                f"{time.perf_counter() - t:.1f} s"
            )
            config = work / "ad.yaml"
            source = {
                "name": "dc1",
                "type": "active_directory",
                "host": info.host,
                "port": info.ldaps_port,
                "ca_file": str(info.ca_file),
                "bind_user": info.bind_netbios,
                "password_file": str(info.bind_password_file),
                "base_dn": info.base_dn,
            }
            config.write_text(
                yaml.safe_dump({"project": "bench", "client": "bench", "sources": [source]})
            )
            proc = subprocess.run(
                [sys.executable, "-c", SCAN, str(config), str(work / "s.sqlite"), str(HERE)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"scan: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB "
                f"(goal: < 20 s, < 300 MB); {r['identities']} identities, {r['devices']} "
                f"devices, {r['memberships']} group memberships, {r['permissions']} "
                f"permissions, {r['failures']} failed units"
            )
        finally:
            ad_down(lab_dir)


if __name__ == "__main__":
    main()

"""Benchmark: the forecast against real copies with mbsync, per scenario.

For each scenario: a source lab seeded with the scenario's organisation, an empty
target lab with the same accounts, and a shaped link (``netshape.Shaper``: one-way delay,
a rate shared by every connection) between the migrating host and the source. First
mailsurvey scans and probes the source through the link and forecasts the copy with the
``mbsync`` profile at the scenario's concurrency; then ``realcopy.real_copy`` runs mbsync
(one process per mailbox, that many at a time) through the same link, and verifies the
copy. Prints forecast against actual, for the whole copy and per mailbox; asserts
nothing (the goal: median absolute error <= 15 %, worst <= 30 %).

    .venv/bin/python bench/forecast.py [--only loopback few-large] [--probe-seconds 30]
        [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import netshape
import realcopy

from mailsurvey.assess.estimate import Forecast, forecast
from mailsurvey.assess.methods import PROFILES
from mailsurvey.config import load
from mailsurvey.demo import lab_config
from mailsurvey.lab import LabInfo, accounts_csv, down, up
from mailsurvey.scan import run_scan
from mailsurvey.store import Inventory, Store


@dataclass(frozen=True)
class Scenario:
    name: str
    delay: float  # one way, seconds
    rate_mbit: float | None
    mailboxes: int
    messages: int  # per mailbox, over five folders
    median_kb: float
    concurrency: int


SCENARIOS = (
    Scenario("loopback", 0.0, None, 8, 400, 24, 4),
    Scenario("40ms-50mbit", 0.020, 50, 8, 400, 24, 4),
    Scenario("many-small", 0.010, None, 6, 3000, 3, 3),
    Scenario("few-large", 0.020, 50, 4, 12, 3000, 2),
)
CALIBRATION = (  # loopback, one at a time: what mbsync and the target add per message, byte
    Scenario("cal-small", 0.0, None, 4, 3000, 3, 1),
    Scenario("cal-large", 0.0, None, 4, 24, 3000, 1),
    Scenario("cal-mixed-2", 0.0, None, 8, 400, 24, 2),
    Scenario("cal-mixed-1", 0.0, None, 8, 400, 24, 1),
    Scenario("cal-small-3", 0.0, None, 6, 3000, 3, 3),
    Scenario("cal-large-2", 0.0, None, 4, 24, 3000, 2),
)


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    forecast: Forecast
    actual_s: float
    per_mailbox: dict[str, tuple[float, float]]  # address -> (forecast P50, actual)
    messages: int
    bytes: int

    @property
    def error(self) -> float:
        return (self.forecast.p50_s - self.actual_s) / self.actual_s


def scan_and_forecast(
    source: LabInfo, port: int, out: Path, scenario: Scenario, probe_seconds: float
) -> tuple[Forecast, Inventory]:
    config = lab_config(
        source,
        out,
        probe={"seconds": probe_seconds, "max_concurrency": scenario.concurrency},
        plan={"method": "mbsync", "concurrency": scenario.concurrency},
        host="localhost",
        port=port,
        accounts=str(accounts_csv(source.lab_dir)),
        concurrency=scenario.concurrency,
    )
    with Store(out / "scan.sqlite") as store:
        run_scan(load(config), store, show_progress=False)
        inv = store.inventory()
    return forecast(inv, PROFILES["mbsync"], scenario.concurrency), inv


def run_scenario(
    scenario: Scenario, work: Path, probe_seconds: float, keep: Path | None = None
) -> Outcome:
    src_dir, dst_dir = work / "source", work / "target"
    ports = [realcopy.free_port() for _ in range(4)]
    source = up(src_dir, ports[0], ports[1])
    try:
        realcopy.seed_source(src_dir, scenario.mailboxes, scenario.messages, scenario.median_kb)
        target = realcopy.target_up(source, dst_dir, ports[2], ports[3])
        try:
            with netshape.Shaper(
                ("127.0.0.1", source.imaps_port),
                delay=scenario.delay,
                rate_mbit=scenario.rate_mbit,
            ) as link:
                fc, _ = scan_and_forecast(source, link.port, work / "scan", scenario, probe_seconds)
                if keep is not None:  # the probe's store, to refit the model offline
                    keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(work / "scan" / "scan.sqlite", keep / f"{scenario.name}.sqlite")
                copy = realcopy.real_copy(
                    source,
                    target,
                    work / "copy",
                    tool="mbsync",
                    concurrency=scenario.concurrency,
                    source_port=link.port,
                )
        finally:
            down(dst_dir)
    finally:
        down(src_dir)
    per_mailbox = {
        m.address: (m.p50_s or 0.0, copy.mailbox_seconds[m.address])
        for m in fc.mailboxes
        if m.address in copy.mailbox_seconds
    }
    return Outcome(scenario, fc, copy.wall_seconds, per_mailbox, copy.messages, copy.bytes)


def show(o: Outcome) -> None:
    s, f = o.scenario, o.forecast
    link = "loopback" if not s.delay and not s.rate_mbit else (
        f"{2000 * s.delay:.0f} ms RTT, {s.rate_mbit or 'unlimited'} Mbit/s"
    )  # fmt: skip
    print(f"\n== {s.name}: {link}; {s.mailboxes} mailboxes, {o.messages} messages, "
          f"{o.bytes / 1e6:.1f} MB; {s.concurrency} at once")  # fmt: skip
    for model in f.models:
        print(f"   probe: round trip {model.rtt_s * 1000:.1f} ms")
        for lv in model.levels:
            print(
                f"   probe c={lv.concurrency}: {lv.bytes_per_s / 1e6:.2f} MB/s, "
                f"{lv.messages_per_s:.0f} msg/s; per request {lv.per_request_s * 1000:.2f} ms, "
                f"per message {lv.per_message_s * 1000:.3f} ms, login {lv.login_s * 1000:.0f} ms"
            )
    print(
        f"   forecast P50 {f.p50_s:.1f} s, P90 {f.p90_s:.1f} s; actual {o.actual_s:.1f} s; "
        f"error {100 * o.error:+.1f} %; within P90: {o.actual_s <= f.p90_s}"
    )
    errors = [(p - a) / a for p, a in o.per_mailbox.values() if a > 0]
    if errors:
        print(
            f"   per mailbox: median error {100 * statistics.median(errors):+.1f} %, "
            f"range {100 * min(errors):+.1f} % .. {100 * max(errors):+.1f} %"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", default=None, help="scenario names")
    ap.add_argument("--probe-seconds", type=float, default=30.0)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="keep each probe's store here")
    args = ap.parse_args()
    every = SCENARIOS + CALIBRATION
    chosen = [s for s in every if s.name in args.only] if args.only else list(SCENARIOS)
    outcomes: list[Outcome] = []
    for _ in range(args.rounds):
        for scenario in chosen:
            with tempfile.TemporaryDirectory(prefix=f"forecast-{scenario.name}-") as tmp:
                outcome = run_scenario(scenario, Path(tmp), args.probe_seconds, args.keep)
            show(outcome)
            outcomes.append(outcome)
            if args.keep is not None:
                actual = {"wall": outcome.actual_s, "per_mailbox": {
                    a: v[1] for a, v in outcome.per_mailbox.items()}}  # fmt: skip
                (args.keep / f"{scenario.name}.json").write_text(json.dumps(actual))
    errors = [abs(o.error) for o in outcomes]
    print(
        f"\n{len(outcomes)} copies: median absolute error {100 * statistics.median(errors):.1f} %, "
        f"worst {100 * max(errors):.1f} % (goal: <= 15 %, <= 30 %)"
    )


if __name__ == "__main__":
    main()

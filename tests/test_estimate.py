"""The throughput fit, the schedule and the forecast, on synthetic measurements."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from mailsurvey.assess.estimate import Workload, forecast, schedule
from mailsurvey.assess.methods import PROFILES
from mailsurvey.assess.throughput import costs_at, fit, nonnegative_fit
from mailsurvey.model import Folder, ProbeSample, Status, Unit, UnitKind
from mailsurvey.store import Inventory

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def synthetic(
    rho: float,
    per_message: float,
    per_byte: float,
    *,
    concurrency: int = 1,
    noise: float = 0.03,
    seed: int = 1,
    source: str = "src",
) -> list[ProbeSample]:
    """What a probe would time on a server with these costs, with relative noise: one
    stream of requests back to back, on each of ``concurrency`` connections at once."""
    rng = np.random.default_rng(seed)
    out: list[ProbeSample] = []
    clock = [0.0] * concurrency

    def add(kind: str, messages: int, octets: int, seconds: float) -> None:
        for conn in range(concurrency):
            took = seconds * (1 + rng.normal(0, noise))
            out.append(
                ProbeSample(
                    source,
                    "run",
                    len(out),
                    concurrency,
                    kind,
                    "a@x",
                    "INBOX",
                    messages,
                    octets,
                    took,
                    T0 + timedelta(seconds=clock[conn]),
                    "host:993",
                )
            )
            clock[conn] += took

    for _ in range(30):
        add("rtt", 0, 0, rho)
        add("login", 0, 0, 4 * rho)
    sizes = (3_000, 20_000, 200_000, 2_000_000, 8_000_000)
    for size in sizes:  # the setup: one message alone per size class
        add("single", 1, size, rho + per_message + size * per_byte)
    for _ in range(12):  # then batches back to back
        for size in sizes:
            n = 10
            add("fetch", n, n * size, rho + n * per_message + n * size * per_byte)
    return out


def test_fit_recovers_known_costs() -> None:
    rho, per_message, per_byte = 0.040, 0.002, 1 / 6.25e6  # 40 ms, 2 ms, 50 Mbit/s
    model = fit(synthetic(rho, per_message, per_byte))
    assert model is not None
    (level,) = model.levels
    assert level.per_request_s == pytest.approx(rho, rel=0.1)
    assert level.per_message_s == pytest.approx(per_message, rel=0.25)
    assert level.per_byte_s == pytest.approx(per_byte, rel=0.05)
    assert model.rtt_s == pytest.approx(rho, rel=0.05)
    assert level.login_s == pytest.approx(4 * rho, rel=0.05)


def test_fit_keeps_costs_non_negative() -> None:
    # y = 2 - x on x >= 0 would give a negative slope; the constrained fit drops it
    x = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 2.0], [1.0, 0.0, 3.0]])
    y = np.array([1.5, 1.0, 0.5])
    coef = nonnegative_fit(x, y)
    assert (coef >= 0).all() and coef[2] == 0.0


def test_fit_without_fetches_is_none() -> None:
    assert fit([s for s in synthetic(0.01, 0.001, 1e-8) if s.kind != "fetch"]) is None


def test_schedule_longest_first_by_hand() -> None:
    # two slots: 7 -> s0 [0,7]; 5 -> s1 [0,5]; 4 -> s1 [5,9]; 3 -> s0 [7,10];
    # 3 -> s1 [9,12]; 2 -> s0 [10,12]. Both end at 12; the later placed (the 2) is last.
    placed, makespan, last = schedule([3.0, 7.0, 2.0, 5.0, 4.0, 3.0, float("nan")], 2)
    assert makespan == 12.0
    assert [(p.slot, p.start, p.end) if p else None for p in placed] == [
        (0, 7.0, 10.0),
        (0, 0.0, 7.0),
        (0, 10.0, 12.0),
        (1, 0.0, 5.0),
        (1, 5.0, 9.0),
        (1, 9.0, 12.0),
        None,
    ]
    assert last == 2


def test_costs_between_and_above_measured_levels() -> None:
    samples = synthetic(0.01, 0.001, 1e-8, concurrency=1) + synthetic(
        0.01, 0.002, 3e-8, concurrency=4, seed=2
    )
    model = fit(samples)
    assert model is not None and [lv.concurrency for lv in model.levels] == [1, 4]
    mid = costs_at(model, 2)  # a third of the way from 1 to 4
    assert mid.per_byte_s == pytest.approx(1e-8 + (3e-8 - 1e-8) / 3, rel=0.1)
    assert not mid.extrapolated
    high = costs_at(model, 8)  # no more messages a second in all than at 4
    assert high.extrapolated
    assert high.per_message_s == pytest.approx(model.levels[-1].per_message_s * 2)
    assert high.per_byte_s == model.levels[-1].per_byte_s  # bytes: the link share decides


def _inventory(mailboxes: dict[str, tuple[int | None, int | None]], samples: list[ProbeSample]):
    inv = Inventory(info=None)
    for address, (messages, octets) in mailboxes.items():
        status = Status.OK if messages is not None else Status.FAILED
        inv.units.append(Unit("src", UnitKind.ACCOUNT, address, status))
        if messages is not None:
            inv.units.append(Unit("src", UnitKind.FOLDER, f"{address}\x00INBOX", Status.OK))
            inv.folders.append(
                Folder(
                    "src",
                    address,
                    "INBOX",
                    messages=messages,
                    bytes=octets,
                    oldest=T0 - timedelta(days=365),
                    newest=T0,
                )
            )
    inv.probe_samples = samples
    return inv


MBSYNC = PROFILES["mbsync"]
BARE = replace(MBSYNC, per_message_s=0.0, per_byte_s=0.0, copies_per_core=None)  # source only


def test_forecast_is_the_costs_times_the_workload() -> None:
    rho, per_message, per_byte = 0.02, 0.001, 1 / 10e6
    inv = _inventory(
        {"big@x": (10_000, 2_000_000_000), "small@x": (1_000, 50_000_000), "lost@x": (None, None)},
        synthetic(rho, per_message, per_byte),
    )
    f = forecast(inv, BARE, 1)
    rows = {m.address: m for m in f.mailboxes}
    assert rows["lost@x"].p50_s is None and rows["lost@x"].bound_by == "unknown"
    assert f.unknown == ("lost@x",)
    big = rows["big@x"]
    # pipelined: the server's per-message work overlaps the transfer; the slower counts
    by_hand = 4 * rho + 1 * BARE.folder_round_trips * rho
    by_hand += max(10_000 * per_message, 2_000_000_000 * per_byte)
    assert big.p50_s == pytest.approx(by_hand, rel=0.05)
    assert big.bound_by == "bytes" and big.slot == 0 and big.start_s == 0
    assert f.p50_s == pytest.approx(big.p50_s + rows["small@x"].p50_s)  # one slot: in a row
    assert f.bounding == "small@x"
    assert f.p90_s >= f.p50_s and big.p90_s >= big.p50_s
    assert "uplink_unknown" in f.notes


def test_two_slots_and_an_uplink_cap() -> None:
    inv = _inventory(
        {"a@x": (1_000, 1_000_000_000), "b@x": (1_000, 1_000_000_000)},
        synthetic(0.001, 0.0001, 1 / 100e6, concurrency=2),
    )
    free = forecast(inv, BARE, 2)
    assert {m.slot for m in free.mailboxes} == {0, 1}
    capped = forecast(inv, BARE, 2, uplink_mbit=80)  # 10 MB/s shared by two copies
    assert capped.p50_s == pytest.approx(1_000_000_000 / 5e6, rel=0.05)
    assert capped.p50_s > free.p50_s * 2
    assert "uplink_unknown" not in capped.notes


def test_a_daily_cap_spreads_a_mailbox_over_days() -> None:
    capped = replace(BARE, id="capped", daily_bytes_per_mailbox=500_000_000)
    inv = _inventory({"a@x": (100, 1_200_000_000)}, synthetic(0.001, 0.0001, 1 / 100e6))
    f = forecast(inv, capped, 1)
    (row,) = f.mailboxes
    assert row.bound_by == "daily_cap"
    assert 2 * 86400 < row.p50_s < 3 * 86400  # 500 MB on day 1 and 2, the rest on day 3
    assert "daily_cap:1" in f.notes


def test_delta_grows_with_the_days_since_the_bulk_start() -> None:
    inv = _inventory({"a@x": (36_500, 3_650_000_000)}, synthetic(0.01, 0.001, 1e-8))
    f = forecast(inv, BARE, 1)
    # 100 messages / 10 MB a day on top of listing 36,500 messages
    assert f.delta_per_day_p90_s == pytest.approx(100 * 0.001 + 10_000_000 * 1e-8, rel=0.3)
    assert f.delta_p90_s(7) > f.delta_p90_s(1) > f.delta_base_p90_s > 0


def test_a_source_without_probe_is_not_forecast() -> None:
    inv = _inventory({"a@x": (10, 1000)}, [])
    f = forecast(inv, BARE, 1)
    assert f.mailboxes[0].p50_s is None and "no_probe:src" in f.notes
    assert f.p50_s == 0.0 and f.bounding is None


def test_workload_of_a_failed_mailbox_is_unknown_not_zero() -> None:
    from mailsurvey.assess.estimate import workloads

    inv = _inventory({"ok@x": (5, 500), "bad@x": (None, None)}, [])
    got = {w.address: w for w in workloads(inv)}
    assert got["bad@x"].items is None and got["bad@x"].bytes is None
    assert got["ok@x"] == Workload("src", "ok@x", 5, 500, 1, 5 / 365, 500 / 365)


def test_a_saturated_source_and_a_capped_method_are_noted() -> None:
    # two connections each got half of what one got alone: the link was full at one
    samples = synthetic(0.001, 0.0001, 1e-8) + synthetic(0.001, 0.0001, 2e-8, concurrency=2, seed=3)
    model = fit(samples)
    assert model is not None and model.saturated
    assert model.link_bps == pytest.approx(max(lv.bytes_per_s for lv in model.levels))
    inv = _inventory({"a@x": (100, 100_000_000)}, samples)
    capped = replace(BARE, id="capped", max_concurrency=2)
    f = forecast(inv, capped, 5)
    assert f.concurrency == 2
    assert "concurrency_capped:2" in f.notes and "saturated:src:1" in f.notes


def test_p90_carries_the_methods_measured_error() -> None:
    inv = _inventory({"a@x": (1000, 100_000_000)}, synthetic(0.001, 0.0001, 1e-8, noise=0.0))
    f = forecast(inv, MBSYNC, 1)
    assert f.p90_s == pytest.approx(f.p50_s * (1 + MBSYNC.forecast_error))
    assert f.mailboxes[0].p90_s == pytest.approx(f.mailboxes[0].p50_s * 1.2)

"""The fluid schedule: copies share their link, fairly, and the last ones get it all."""

from __future__ import annotations

import pytest

from mailsurvey.assess.fluid import Copy, simulate

INF = float("inf")
MB = 1_000_000


def test_the_last_copy_gets_the_whole_link() -> None:
    # 10 MB/s shared: both move at 5 MB/s until the small one ends (2 s, 10 MB each);
    # then the big one has the link alone: 20 MB more at 10 MB/s, ending at 4 s
    copies = [Copy(0.0, 10 * MB, INF, "l"), Copy(0.0, 30 * MB, INF, "l")]
    placed, makespan, last = simulate(copies, 2, {"l": 10 * MB})
    assert [(p.slot, p.start, p.end) for p in placed if p] == [
        (1, 0.0, pytest.approx(2.0)),
        (0, 0.0, pytest.approx(4.0)),
    ]
    assert makespan == pytest.approx(4.0) and last == 1


def test_a_capped_copy_leaves_its_share_to_the_others() -> None:
    # the slow one can take 1 MB/s; the other gets the remaining 9 MB/s (max-min fair)
    copies = [Copy(0.0, 9 * MB, INF, "l"), Copy(0.0, 1 * MB, 1 * MB, "l")]
    placed, makespan, _ = simulate(copies, 2, {"l": 10 * MB})
    assert placed[0] is not None and placed[0].end == pytest.approx(1.0)
    assert makespan == pytest.approx(1.0)


def test_fixed_time_first_and_slots_longest_first() -> None:
    # one slot: the longer copy (by its planning estimate) runs first
    copies = [Copy(1.0, 0.0, INF, "l"), Copy(2.0, 4 * MB, INF, "l"), None]
    placed, makespan, last = simulate(copies, 1, {"l": 2 * MB})
    assert placed[1] is not None and (placed[1].start, placed[1].end) == (0.0, 4.0)
    assert placed[0] is not None and (placed[0].start, placed[0].end) == (4.0, 5.0)
    assert placed[2] is None and makespan == 5.0 and last == 0


def test_links_of_two_sources_are_separate_but_an_uplink_is_shared() -> None:
    copies = [Copy(0.0, 10 * MB, INF, "a"), Copy(0.0, 10 * MB, INF, "b")]
    _, apart, _ = simulate(copies, 2, {"a": 10 * MB, "b": 10 * MB})
    _, uplinked, _ = simulate(copies, 2, {"a": 10 * MB, "b": 10 * MB}, shared=10 * MB)
    assert apart == pytest.approx(1.0) and uplinked == pytest.approx(2.0)

"""Benchmark: packing mailboxes into waves (``assess.waves.plan_waves``) for a large
organisation, at several concurrencies. The plan's search for a concurrency that fits
packs the waves again at every concurrency it tries, so this time is paid several times
when a report is rendered.

    .venv/bin/python bench/plan_waves.py [--mailboxes 3000] [--groups 300]

Mailboxes get log-normal P90 copy times (median ~30 min); ``--groups`` pairs of mailboxes
share rights (a component of two). Prints, per concurrency, the waves and the seconds.
"""

from __future__ import annotations

import argparse
import random
import time

from mailsurvey.assess.waves import Edge, Graph, plan_waves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=3000)
    parser.add_argument("--groups", type=int, default=300)
    args = parser.parse_args()
    rnd = random.Random(1)
    nodes = tuple(sorted(f"user{i:06d}@acme.nl" for i in range(args.mailboxes)))
    pairs = {tuple(sorted(rnd.sample(nodes, 2))) for _ in range(args.groups)}
    edges = tuple(Edge(a, b, ()) for a, b in sorted(pairs))
    p90 = {n: rnd.lognormvariate(7.5, 1.2) for n in nodes}
    graph = Graph(nodes, edges, ())
    print(f"{args.mailboxes} mailboxes, {len(edges)} shared pairs, window 48 h")
    for concurrency in (5, 10, 20, 50, 100):
        start = time.perf_counter()
        planned = plan_waves(graph, p90, concurrency=concurrency, window_s=48 * 3600)
        took = time.perf_counter() - start
        print(f"  concurrency {concurrency:>3}: {len(planned.waves):>3} waves in {took:.3f} s")


if __name__ == "__main__":
    main()

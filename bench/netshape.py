"""A delaying, rate-limiting TCP proxy: a slow link between a migration host and a source.

The kernel here has no netem, so the bench shapes the link in userspace. ``Shaper``
listens on 127.0.0.1 and forwards each connection to one upstream address, byte for byte
(TLS passes through untouched). Each direction is a link of its own, shared by every
connection, like a real one:

- ``rate_mbit`` serialises the bytes of all connections in one FIFO (a departure schedule
  per direction); a link buffer of ``queue_bytes`` bounds the backlog, so a sender that
  outruns the rate is held back by TCP flow control instead of filling memory;
- ``delay`` is the one-way propagation delay: bytes read at t leave at
  t + serialisation + ``delay`` (a timestamped queue per connection and direction, so
  streaming data is delayed, never serialised by the delay). The RTT grows by 2 x delay;
- the TCP handshake costs one RTT: nothing read before accept + 2 x delay is timestamped
  earlier than that;
- ``window`` caps the bytes one connection may have in flight per direction, like a TCP
  window: bytes count as in flight from when they are read until their "ack" is back
  (delivery + ``delay``), so one connection's throughput <= window / RTT;
- ``slow_start``: a connection's window starts at 10 segments (14,600 bytes) and grows
  by every byte acked, up to ``window`` (TCP slow start; no losses, no idle restart).

An asyncio loop in a background thread; ``start()``/``stop()`` or a ``with`` block.
``python bench/netshape.py`` runs a self-check (RTT, throughput with 1 and 4 connections,
unlimited throughput and the proxy's CPU time).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

CHUNK = 64 * 1024
INITIAL_WINDOW = 10 * 1460  # RFC 6928
HOST = "127.0.0.1"


@dataclass
class _Link:
    """One direction of the link: a rate, a delay and the departure schedule."""

    rate: float | None  # bytes per second; None: unlimited
    delay: float
    queue_bytes: int
    free_at: float = 0.0  # when the last scheduled byte has left the bottleneck
    bytes: int = 0

    def backlog_wait(self, now: float) -> float:
        """Seconds to wait until the backlog fits the link buffer."""
        if self.rate is None:
            return 0.0
        return max(0.0, self.free_at - now - self.queue_bytes / self.rate)

    def schedule(self, n: int, now: float) -> float:
        """When ``n`` bytes read at ``now`` arrive at the far end."""
        self.bytes += n
        if self.rate is None:
            return now + self.delay
        self.free_at = max(now, self.free_at) + n / self.rate
        return self.free_at + self.delay


@dataclass
class _Pipe:
    """One connection's direction: its timestamped queue, window and bytes in flight."""

    window: int
    cwnd: int
    queue: asyncio.Queue[tuple[float, bytes | None]] = field(default_factory=asyncio.Queue)
    in_flight: int = 0
    room: asyncio.Event = field(default_factory=asyncio.Event)

    def ack(self, n: int) -> None:
        self.in_flight -= n
        self.cwnd = min(self.window, self.cwnd + n)
        self.room.set()


class Shaper:
    """A shaped TCP proxy from ``127.0.0.1:port`` to ``upstream``.

    ``port`` 0 picks a free port (read ``.port`` after ``start()``). ``rate_mbit`` is per
    direction (Mbit/s, 10^6 bits), None for unlimited. ``bytes_up`` counts client to
    upstream, ``bytes_down`` upstream to client.
    """

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        delay: float = 0.0,
        rate_mbit: float | None = None,
        port: int = 0,
        queue_bytes: int = 256 * 1024,
        window: int = 4 * 1024 * 1024,
        slow_start: bool = True,
    ) -> None:
        rate = None if rate_mbit is None else rate_mbit * 1e6 / 8
        self.upstream = upstream
        self.delay = delay
        self.rate_mbit = rate_mbit
        self.port = port
        self.window = window
        self.slow_start = slow_start
        self._up = _Link(rate, delay, queue_bytes)
        self._down = _Link(rate, delay, queue_bytes)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections = 0

    @property
    def bytes_up(self) -> int:
        return self._up.bytes

    @property
    def bytes_down(self) -> int:
        return self._down.bytes

    def start(self) -> Shaper:
        """Listen and serve in a background thread; return self."""
        ready = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._accept, HOST, self.port, backlog=256)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except OSError as exc:
                failed.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=f"netshape:{self.port}", daemon=True)
        self._thread.start()
        ready.wait()
        if failed:
            raise failed[0]
        return self

    def stop(self) -> None:
        """Close the listener and every connection; join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._loop = self._thread = None

    def cpu_seconds(self) -> float:
        """CPU time the proxy's thread has used so far."""
        if self._thread is None or self._thread.ident is None:
            return 0.0
        return time.clock_gettime(time.pthread_getcpuclockid(self._thread.ident))

    def __enter__(self) -> Shaper:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        open_at = loop.time() + 2 * self.delay  # the TCP handshake's round trip
        self.connections += 1
        writers = [c_writer]
        try:
            u_reader, u_writer = await asyncio.open_connection(*self.upstream, limit=CHUNK)
            writers.append(u_writer)
            for w in writers:
                _nodelay(w)
            cwnd = min(INITIAL_WINDOW, self.window) if self.slow_start else self.window
            up, down = _Pipe(self.window, cwnd), _Pipe(self.window, cwnd)
            async with asyncio.TaskGroup() as tg:  # one failing direction ends them all
                tg.create_task(_read(c_reader, up, self._up, open_at))
                tg.create_task(_write(u_writer, up, self.delay))
                tg.create_task(_read(u_reader, down, self._down, open_at))
                tg.create_task(_write(c_writer, down, self.delay))
        except* (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for w in writers:
                w.close()
            for w in writers:
                with contextlib.suppress(Exception):
                    await w.wait_closed()


def _nodelay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def _read(reader: asyncio.StreamReader, pipe: _Pipe, link: _Link, open_at: float) -> None:
    """Read, timestamp and queue; stop reading while the link or the window is full."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            while pipe.in_flight >= pipe.cwnd:
                pipe.room.clear()
                await pipe.room.wait()
            wait = link.backlog_wait(loop.time())
            if wait > 0:
                await asyncio.sleep(wait)
            data = await reader.read(min(CHUNK, pipe.cwnd - pipe.in_flight))
            if not data:
                break
            pipe.in_flight += len(data)
            pipe.queue.put_nowait((link.schedule(len(data), max(loop.time(), open_at)), data))
    finally:
        pipe.queue.put_nowait((max(loop.time(), open_at) + link.delay, None))


async def _write(writer: asyncio.StreamWriter, pipe: _Pipe, delay: float) -> None:
    """Write each chunk at its arrival time, ack it ``delay`` later; pass the end on."""
    loop = asyncio.get_running_loop()
    while True:
        when, data = await pipe.queue.get()
        wait = when - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if data is None:
            if writer.can_write_eof():
                with contextlib.suppress(OSError):
                    writer.write_eof()
            return
        writer.write(data)
        await writer.drain()
        if delay:
            loop.call_later(delay, pipe.ack, len(data))
        else:
            pipe.ack(len(data))


# --- self-check: traffic endpoints run in child processes, away from the proxy's GIL ---


def _endpoint(port_out: mp.SimpleQueue[int]) -> None:
    """A server: b"p" echoes (ping); b"d<12 digits>" sends that many bytes; b"u<12 digits>"
    sinks that many bytes, then answers b"U"."""
    srv = socket.create_server((HOST, 0), backlog=64)
    port_out.put(srv.getsockname()[1])

    def handle(conn: socket.socket) -> None:
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            f = conn.makefile("rb", buffering=0)
            while op := f.read(1):
                if op == b"p":
                    conn.sendall(b"P")
                    continue
                total = int(f.read(12))
                if op == b"d":
                    block = memoryview(b"x" * CHUNK)
                    sent = 0
                    while sent < total:
                        sent += conn.send(block[: total - sent])
                    return
                got = 0
                while got < total and (data := conn.recv(CHUNK * 4)):
                    got += len(data)
                conn.sendall(b"U")
                return

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def _ping(port: int, out: mp.SimpleQueue[float]) -> None:
    """Put the median RTT of 20 one-byte pings on ``out`` (after the first)."""
    with socket.create_connection((HOST, port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"p")
        s.recv(1)  # the first answer includes the handshake's round trip
        rtts = []
        for _ in range(20):
            t = time.perf_counter()
            s.sendall(b"p")
            s.recv(1)
            rtts.append(time.perf_counter() - t)
    out.put(statistics.median(rtts))


def _bulk(port: int, op: str, conns: int, total: int, out: mp.SimpleQueue[float]) -> None:
    """Move ``total`` bytes on each of ``conns`` connections at once (op "down" or "up");
    put the aggregate Mbit/s, first byte to last byte, on ``out``."""
    marks: list[tuple[float, float]] = []

    def one() -> None:
        with socket.create_connection((HOST, port)) as s:
            s.sendall(b"%s%012d" % (op[0].encode(), total))
            if op == "down":
                got, first = 0, 0.0
                while data := s.recv(CHUNK * 4):
                    first = first or time.perf_counter()
                    got += len(data)
            else:
                block = memoryview(b"x" * CHUNK)
                first, sent = time.perf_counter(), 0
                while sent < total:
                    sent += s.send(block[: total - sent])
                s.recv(1)  # the sink has everything
            marks.append((first, time.perf_counter()))

    threads = [threading.Thread(target=one) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = max(e for _, e in marks) - min(s for s, _ in marks)
    out.put(conns * total * 8 / seconds / 1e6)


def _in_child(target: Callable[..., None], *args: object) -> float:
    ctx = mp.get_context("spawn")
    out: mp.SimpleQueue[float] = ctx.SimpleQueue()
    p = ctx.Process(target=target, args=(*args, out))
    p.start()
    value = out.get()
    p.join()
    return value


def self_check(delay: float = 0.02, rate_mbit: float = 50.0, seconds: float = 4.0) -> None:
    """Print measured RTT, shaped and unlimited throughput, and the proxy's CPU time."""
    ctx = mp.get_context("spawn")
    q: mp.SimpleQueue[int] = ctx.SimpleQueue()
    server = ctx.Process(target=_endpoint, args=(q,), daemon=True)
    server.start()
    upstream = (HOST, q.get())
    shaped = int(rate_mbit * 1e6 / 8 * seconds)
    try:
        for slow_start in (False, True):
            with Shaper(upstream, delay=delay, rate_mbit=rate_mbit, slow_start=slow_start) as px:
                if not slow_start:
                    rtt = _in_child(_ping, px.port)
                    print(f"RTT {rtt * 1000:.1f} ms (2 x delay = {2 * delay * 1000:.1f} ms)")
                for conns in (1, 4):
                    for op in ("down", "up"):
                        cpu = px.cpu_seconds()
                        mbit = _in_child(_bulk, px.port, op, conns, shaped // conns)
                        print(
                            f"slow start {'on ' if slow_start else 'off'}, {op:4} {conns} conn: "
                            f"{mbit:6.1f} Mbit/s of {rate_mbit:g} "
                            f"({(mbit / rate_mbit - 1) * 100:+.1f} %), "
                            f"proxy CPU {px.cpu_seconds() - cpu:.2f} s"
                        )
        window = 128 * 1024
        with Shaper(upstream, delay=delay, window=window) as px:
            mbit = _in_child(_bulk, px.port, "down", 1, shaped)
            print(
                f"unlimited rate, window {window // 1024} KiB, 1 conn: {mbit:.1f} Mbit/s "
                f"(window / RTT = {window * 8 / (2 * delay) / 1e6:.1f})"
            )
        free = 2 << 30
        with Shaper(upstream) as px:
            for conns in (1, 4):
                cpu, wall = px.cpu_seconds(), time.perf_counter()
                mbit = _in_child(_bulk, px.port, "down", conns, free // conns)
                used = px.cpu_seconds() - cpu
                print(
                    f"unlimited, no delay, {conns} conn: {mbit:7.0f} Mbit/s, proxy CPU "
                    f"{used:.2f} s for {free / 1e9:.2f} GB "
                    f"({used / (time.perf_counter() - wall) * 100:.0f} % of a core)"
                )
    finally:
        server.terminate()
        server.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--delay", type=float, default=0.02, help="one-way delay, seconds")
    ap.add_argument("--rate", type=float, default=50.0, help="Mbit/s per direction")
    ap.add_argument("--seconds", type=float, default=4.0, help="length of each bulk transfer")
    args = ap.parse_args()
    self_check(args.delay, args.rate, args.seconds)


if __name__ == "__main__":
    main()

"""The lab's EWS server: HTTPS on loopback, ``/EWS/Exchange.asmx``, Basic, NTLM and OAuth2.

Run as its own process (``ews_lab.ews_up`` starts it and stops it by its pid file)::

    python -m mailsurvey.lab.ews_server --dir LAB_DIR --port 10443

Every EWS request is one JSON line in ``<lab_dir>/ews/requests.jsonl`` (time, connection,
user, auth outcome, mailbox, operation, HTTP status, response codes, bytes, faults fired,
``mutating``), written before the answer goes out; never a password, an access token or
an Authorization header. A rejected Bearer token is answered 401 with
``WWW-Authenticate: Bearer error="invalid_token"``. ``/lab/faults`` (with the
``X-Lab-Token`` header from ``secrets/ews-control-token``) takes fault rules: GET lists,
POST adds (a rule or a list), DELETE clears (see ``ews_faults.py``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hmac
import io
import itertools
import json
import os
import signal
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import ews_ops, ews_org
from .base import HOST, Paths
from .certs import cert_pair
from .ews_auth import Accounts, Ntlm, channel_bindings
from .ews_faults import FaultRule, Faults
from .ews_lab import EwsPaths, read_secret
from .ews_mime import Streamed
from .ews_ops import BadRequest
from .ews_store import BUSY, Caller, Store
from .ews_xml import fault, now_iso
from .oauth import read_signing_key

EWS_PATH = "/ews/exchange.asmx"
_CONNECTIONS = itertools.count(1)


class LabServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, port: int, tls: ssl.SSLContext, store: Store, settings: dict[str, Any]
    ) -> None:
        super().__init__((HOST, port), Handler)
        self.tls = tls
        self.store = store
        self.accounts: Accounts = settings["accounts"]
        self.auth: tuple[str, ...] = settings["auth"]
        self.bindings = settings["bindings"]
        self.oauth_key: bytes = settings["oauth_key"]  # empty when OAuth2 is off
        self.token: str = settings["token"]
        self.faults = Faults()
        self._log = open(settings["request_log"], "a", encoding="utf-8")  # noqa: SIM115
        self._log_lock = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        # An answer's header and body are two writes: without TCP_NODELAY, Nagle holds the
        # body back until the client's delayed ACK, 40 ms a request (IIS has no such stall).
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:  # the TLS handshake runs in the connection's own thread
            conn = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            Handler(conn, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def log(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False)
        with self._log_lock:
            self._log.write(line + "\n")
            self._log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    timeout = 120
    server: LabServer

    def setup(self) -> None:
        super().setup()
        self.conn_id = next(_CONNECTIONS)
        self.ntlm: Ntlm | None = None
        self.conn_caller: Caller | None = None  # NTLM authenticates the connection
        self.held: list[tuple[int, bytes | Streamed, str, list[tuple[str, str]] | None]] | None = (
            None
        )

    def log_message(self, format: str, *args: Any) -> None:
        """The JSON request log replaces the default stderr lines."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0].lower()
        if path == EWS_PATH:
            self._ews(body)
        elif path == "/lab/faults":
            self._control(body)
        else:
            self._send(404, b"", "text/plain")

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/lab/faults":
            self._control(None)
        else:
            self._send(405 if self.path.lower() == EWS_PATH else 404, b"", "text/plain")

    def do_DELETE(self) -> None:
        if self.path == "/lab/faults":
            self._control(b"")
        else:
            self._send(404, b"", "text/plain")

    def _send(
        self,
        status: int,
        body: bytes | Streamed,
        ctype: str,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        if self.held is not None:  # an EWS answer goes out after its log line
            self.held.append((status, body, ctype, headers))
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers or []:
            self.send_header(name, value)
        self.end_headers()
        if isinstance(body, bytes):
            self.wfile.write(body)
            return
        for chunk in body.chunks():  # MIME contents: made and encoded as they go out
            self.wfile.write(chunk)

    def _control(self, body: bytes | None) -> None:
        token = self.headers.get("X-Lab-Token", "")
        if not hmac.compare_digest(token.encode(), self.server.token.encode()):
            self._send(403, b'{"error": "X-Lab-Token is missing or wrong"}', "application/json")
            return
        faults = self.server.faults
        try:
            if body is None:
                pass
            elif body == b"":
                faults.clear()
            else:
                data = json.loads(body)
                for rule in data if isinstance(data, list) else [data]:
                    faults.add(rule)
        except (ValueError, TypeError) as exc:
            self._send(400, json.dumps({"error": str(exc)}).encode(), "application/json")
            return
        self._send(200, json.dumps(faults.snapshot()).encode(), "application/json")

    def _ews(self, body: bytes) -> None:
        started = time.monotonic()
        entry: dict[str, Any] = {
            "time": now_iso(),
            "conn": self.conn_id,
            "peer": f"{self.client_address[0]}:{self.client_address[1]}",
            "user": None,
            "auth": None,
            "auth_result": None,
            "mailbox": None,
            "access": None,
            "operation": None,
            "status": None,
            "codes": [],
            "bytes_in": len(body),
            "bytes_out": 0,
            "faults": [],
            "mutating": False,
        }
        self.held = []
        try:
            caller = self._authenticate(entry)
            if caller is not None:
                self._answer(body, caller, entry)
        finally:
            entry["ms"] = round((time.monotonic() - started) * 1000, 1)
            self.server.log(entry)  # logged before answered: a client that has the answer
            held, self.held = self.held, None  # finds its request in the log
        if entry["status"] == "reset":
            self._reset()
        for args in held or []:
            self._send(*args)

    def _authenticate(self, entry: dict[str, Any]) -> Caller | None:
        """The caller, or None after sending a 401 (a challenge or a refusal)."""
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "ntlm" and "ntlm" in self.server.auth:
            return self._ntlm(token.strip(), entry)
        if scheme == "basic" and "basic" in self.server.auth:
            entry["auth"] = "basic"
            caller, logon = self.server.accounts.basic(token.strip())
            entry["user"] = logon or None
            if caller is None:
                entry["auth_result"] = "failed"
                self._unauthorized(entry)
                return None
            entry["auth_result"] = "ok"
            return caller
        if scheme == "bearer" and "oauth2" in self.server.auth:
            entry["auth"] = "oauth2"
            caller, user = self.server.accounts.bearer(token.strip(), self.server.oauth_key)
            entry["user"] = user or None
            if caller is None:
                entry["auth_result"] = "failed"
                self._unauthorized(entry, bearer_error=True)
                return None
            entry["auth_result"] = "ok"
            return caller
        if not header and self.conn_caller is not None:
            entry.update(auth="ntlm", auth_result="connection", user=self.conn_caller.user)
            return self.conn_caller
        entry["auth_result"] = "missing" if not header else "unsupported"
        self._unauthorized(entry)
        return None

    def _ntlm(self, token: str, entry: dict[str, Any]) -> Caller | None:
        entry["auth"] = "ntlm"
        try:
            raw = base64.b64decode(token, validate=True)
            if raw[8:12] == b"\x01\x00\x00\x00":  # a NEGOTIATE message starts a handshake
                self.ntlm, self.conn_caller = Ntlm(self.server.bindings), None
            if self.ntlm is None:
                raise ValueError("an NTLM message out of order")
            out, logon = self.ntlm.step(raw)
        except Exception:  # a bad token or a wrong password: one failed logon
            self.ntlm = None
            entry["auth_result"] = "failed"
            self._unauthorized(entry)
            return None
        if logon is None:
            entry["auth_result"] = "challenge"
            challenge = "NTLM " + base64.b64encode(out or b"").decode()
            self._send(401, b"", "text/html", [("WWW-Authenticate", challenge)])
            entry.update(status=401)
            return None
        self.ntlm = None
        account = self.server.accounts.find(logon)
        entry["user"] = logon
        if account is None:
            entry["auth_result"] = "failed"
            self._unauthorized(entry)
            return None
        entry["auth_result"] = "ok"
        self.conn_caller = account.caller
        return account.caller

    def _unauthorized(self, entry: dict[str, Any], *, bearer_error: bool = False) -> None:
        offers = []
        if bearer_error:
            offers.append(("WWW-Authenticate", 'Bearer error="invalid_token"'))
        elif "oauth2" in self.server.auth:
            offers.append(("WWW-Authenticate", f'Bearer realm="{HOST}"'))
        if "ntlm" in self.server.auth:
            offers.append(("WWW-Authenticate", "NTLM"))
        if "basic" in self.server.auth:
            offers.append(("WWW-Authenticate", f'Basic realm="{HOST}"'))
        self._send(401, b"", "text/html", offers)
        entry.update(status=401)

    def _answer(self, body: bytes, caller: Caller, entry: dict[str, Any]) -> None:
        try:
            req = ews_ops.parse(body)
        except BadRequest as exc:
            self._soap(
                500, fault("ErrorSchemaValidation", str(exc)), entry, ["ErrorSchemaValidation"]
            )
            return
        mailbox = ews_ops.target(req, self.server.store)
        entry.update(operation=req.op, mailbox=mailbox)
        decision = self.server.faults.decide(caller.user, mailbox, req.op)
        entry["faults"] = decision.fired
        if decision.delay:
            time.sleep(decision.delay)
        if decision.stop is not None:
            self._fault(decision.stop, entry)
            return
        out = ews_ops.execute(req, caller, self.server.store, decision.broken, decision.back_off_ms)
        entry.update(access=out.access, mutating=out.mutating, unsupported=out.unsupported)
        self._soap(out.status, out.body, entry, list(out.codes))

    def _soap(
        self, status: int, body: bytes | Streamed, entry: dict[str, Any], codes: list[str]
    ) -> None:
        self._send(status, body, "text/xml; charset=utf-8")
        entry.update(status=status, codes=codes, bytes_out=len(body))

    def _fault(self, rule: FaultRule, entry: dict[str, Any]) -> None:
        if rule.action == "server_busy":
            body = fault("ErrorServerBusy", BUSY, {"BackOffMilliseconds": str(rule.back_off_ms)})
            self._soap(500, body, entry, ["ErrorServerBusy"])
        elif rule.action == "http_401":
            entry["auth_result"] = "fault"
            self._unauthorized(entry)
        elif rule.action in ("http_503", "http_500"):
            status = 503 if rule.action == "http_503" else 500
            headers = [("Retry-After", str(rule.retry_after))] if rule.retry_after else []
            self._send(status, b"Service Unavailable", "text/html", headers)
            entry.update(status=status)
        else:  # reset: no answer, the TCP connection is torn down (RST)
            entry.update(status="reset")

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        for stream in (self.rfile, self.wfile):
            with contextlib.suppress(OSError):
                stream.close()
        self.rfile, self.wfile = io.BytesIO(), io.BytesIO()  # the handler flushes once more
        with contextlib.suppress(OSError):
            self.connection.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, type=Path, help="the lab directory")
    parser.add_argument("--port", type=int, default=10443)
    parser.add_argument("--cert", default="good", help="good | wrong_host | self_signed")
    parser.add_argument(
        "--auth", default="ntlm,basic,oauth2", help="comma-separated: ntlm, basic, oauth2"
    )
    parser.add_argument("--big-folder", type=int, default=0, help="items in bulk@'s folder")
    parser.add_argument("--profile", default="standard", choices=ews_org.PROFILES)
    parser.add_argument("--mailboxes", type=int, default=ews_org.LARGE_MAILBOXES, help="large")
    parser.add_argument("--messages", type=int, default=ews_org.LARGE_MESSAGES, help="large")
    parser.add_argument("--median-kb", type=float, default=ews_org.LARGE_MEDIAN_KB, help="large")
    args = parser.parse_args(argv)
    paths = EwsPaths(args.dir.expanduser().resolve())
    os.environ.setdefault("NTLM_USER_FILE", str(paths.ntlm_users))  # pyspnego's NTLM hashes
    pair = cert_pair(paths.lab_dir / "certs", args.cert)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(pair.cert, pair.key)
    ews = ews_org.build(
        args.profile,
        big_folder=args.big_folder,
        mailboxes=args.mailboxes,
        messages_per_mailbox=args.messages,
        median_kb=args.median_kb,
    )
    users = [a for a, m in ews.mailboxes.items() if m.kind == "user"]
    auth = tuple(a.strip().lower() for a in args.auth.split(",") if a.strip())
    settings = {
        "accounts": Accounts(
            read_secret(paths.service_password), read_secret(paths.user_password), users
        ),
        "auth": auth,
        "bindings": channel_bindings(pair.cert.read_bytes()),
        "oauth_key": read_signing_key(Paths(paths.lab_dir)) if "oauth2" in auth else b"",
        "token": read_secret(paths.control_token),
        "request_log": paths.request_log,
    }
    store = Store(ews)
    store.warm()  # every folder's items made now, not in the first scan's requests
    server = LabServer(args.port, tls, store, settings)
    tmp = paths.pid_file.with_suffix(".tmp")
    tmp.write_text(f"{os.getpid()}\n", encoding="ascii")
    tmp.replace(paths.pid_file)  # written once listening: the lab waits for it

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        with contextlib.suppress(OSError):
            if paths.pid_file.read_text(encoding="ascii").strip() == str(os.getpid()):
                paths.pid_file.unlink()


if __name__ == "__main__":
    main()

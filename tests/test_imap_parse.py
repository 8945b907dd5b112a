"""The IMAP parsers, on answers captured from servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mailsurvey.collectors import imap_parse as p
from mailsurvey.model import MB, SIZE_BUCKETS


def test_histogram_from_at_least_counts() -> None:
    # 10 messages: 5 >= 100 KB, 3 >= 1 MB, 1 >= 10 MB, 1 >= 25 MB, none >= 35 MB
    assert p.histogram_from_counts(10, [5, 3, 1, 1, 0, 0]) == (5, 2, 2, 0, 1, 0, 0)
    with pytest.raises(ValueError):
        p.histogram_from_counts(3, [5, 0, 0, 0, 0, 0])


def test_aggregate_matches_histogram_bounds() -> None:
    agg = p.SizeAggregate()
    sizes = [1, 100 * 1024 - 1, 100 * 1024, MB, 35 * MB, 150 * MB - 1, 150 * MB]
    tz = timezone(timedelta(hours=2))
    for i, size in enumerate(sizes):
        agg.add(size, int(datetime(2020, 1, 1 + i, 12, tzinfo=tz).timestamp()))
    assert agg.messages == 7 and agg.bytes == sum(sizes) and agg.largest == 150 * MB
    assert agg.histogram == [2, 1, 1, 0, 0, 2, 1]
    assert agg.oldest == datetime(2020, 1, 1, 10, tzinfo=UTC)
    assert len(agg.histogram) == len(SIZE_BUCKETS) + 1


def test_esearch_answers() -> None:
    assert p.parse_esearch([b'(TAG "A5") UID COUNT 123']) == {"COUNT": 123}
    assert p.parse_esearch([b'(TAG "A6") UID MIN 4 MAX 99']) == {"MIN": 4, "MAX": 99}
    assert p.parse_esearch([None]) == {}  # type: ignore[list-item]


def test_list_status_answers_with_literal_and_mutf7_names() -> None:
    data = [b'"INBOX" (MESSAGES 3 SIZE 100 UIDNEXT 4)', (b"{9}", b"Zam&APM-w"), b" (MESSAGES 0)"]
    got = p.parse_status_data(data)
    assert got["INBOX"] == {"MESSAGES": 3, "SIZE": 100, "UIDNEXT": 4}
    assert got["Zamów"] == {"MESSAGES": 0}


def test_hostile_names_decode_intact() -> None:
    from imapclient import imap_utf7

    for name in [
        '=HYPERLINK("http://evil.example","x")',
        "<script>alert(1)</script>",
        "日本語のフォルダ",
        "Faktury źółć",
        "a&b",
    ]:
        assert p.decode_name(imap_utf7.encode(name)) == name
    assert p.decode_name(b"&bad-mutf7") == "&bad-mutf7"  # broken encoding shown raw


def test_server_software_from_id_or_greeting() -> None:
    assert p.server_software({b"name": b"Dovecot", b"version": b"2.3.19"}, None) == (
        "Dovecot",
        "2.3.19",
    )
    assert p.server_software(None, "* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready.") == (
        "Dovecot",
        None,
    )
    assert p.server_software(None, "* OK The Microsoft Exchange IMAP4 service is ready.") == (
        "Microsoft Exchange",
        None,
    )
    assert p.server_software(None, "* OK ready") == (None, None)


def test_special_use_and_depth() -> None:
    assert p.special_use("INBOX", ()) == "\\Inbox"
    assert p.special_use("Verzonden", ("\\HasNoChildren", "\\Sent")) == "\\Sent"
    assert p.folder_depth("a/b/c", "/") == 2 and p.folder_depth("a.b", None) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"17-Jul-1996 02:44:25 -0700",
        b" 1-Feb-2024 00:00:00 +0100",
        b"29-Feb-2000 23:59:59 +0000",
        b"31-Dec-1969 23:00:00 -0130",
        b"01-Mar-2100 12:00:00 +1400",
    ],
)
def test_internaldate_seconds_equal_the_standard_parser(raw: bytes) -> None:
    want = datetime.strptime(raw.decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    assert p.internaldate_ts(raw) == int(want.timestamp())


def test_internaldate_refuses_what_it_is_not() -> None:
    assert p.internaldate_ts(b"yesterday") is None
    assert p.internaldate_ts(b"17-Foo-1996 02:44:25 -0700") is None


def test_fetch_lines_fast_and_general_shapes() -> None:
    # as imaplib keeps untagged FETCH answers: the sequence number, then the items
    data = [
        b'1 (RFC822.SIZE 120 INTERNALDATE "17-Jul-1996 02:44:25 -0700")',
        b'2 (INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 130)',
        b'3 (FLAGS (\\Seen) RFC822.SIZE 140 INTERNALDATE "17-Jul-1996 02:44:25 -0700")',
        b"4 (FLAGS (\\Seen))",  # unsolicited: no size, not a message of ours
    ]
    got = sorted(p.parse_size_date_lines(data))
    ts = p.internaldate_ts(b"17-Jul-1996 02:44:25 -0700")
    assert got == [(120, ts), (130, ts), (140, ts)]


class ScriptedConnection:
    """Plays a server's lines to stream_untagged, as imaplib's socket reads would."""

    def __init__(self, script: bytes) -> None:
        import io

        self.sent = b""
        self.buf = io.BytesIO(script)
        self.n = 0
        self.tagged_commands: dict[bytes, None] = {}

    def _new_tag(self) -> bytes:
        self.n += 1
        return b"T%d" % self.n

    def send(self, data: bytes) -> None:
        self.sent += data

    def readline(self) -> bytes:
        return self.buf.readline()

    def read(self, n: int) -> bytes:
        return self.buf.read(n)


def test_stream_untagged_keeps_imaplib_shape_with_literals() -> None:
    from mailsurvey.collectors.imap_session import stream_untagged

    script = (
        b'* 1 FETCH (RFC822.SIZE 120 INTERNALDATE "17-Jul-1996 02:44:25 -0700")\r\n'
        b"* 3 EXISTS\r\n"
        b"* 2 FETCH (RFC822.SIZE 130 INTERNALDATE {26}\r\n17-Jul-1996 02:44:25 -0700)\r\n"
        b"T1 OK Fetch completed.\r\n"
    )
    conn = ScriptedConnection(script)
    data = stream_untagged(conn, b"FETCH 1:2 (RFC822.SIZE INTERNALDATE)")  # type: ignore[arg-type]
    assert conn.sent == b"T1 FETCH 1:2 (RFC822.SIZE INTERNALDATE)\r\n"
    ts = p.internaldate_ts(b"17-Jul-1996 02:44:25 -0700")
    assert sorted(p.parse_size_date_lines(data)) == [(120, ts), (130, ts)]


def test_stream_untagged_raises_on_no_bye_and_eof() -> None:
    import imaplib

    from mailsurvey.collectors.imap_session import stream_untagged

    with pytest.raises(imaplib.IMAP4.error, match="NO"):
        stream_untagged(ScriptedConnection(b"T1 NO [SERVERBUG] oops\r\n"), b"FETCH 1 (UID)")  # type: ignore[arg-type]
    with pytest.raises(imaplib.IMAP4.abort):
        stream_untagged(ScriptedConnection(b"* BYE shutting down\r\n"), b"FETCH 1 (UID)")  # type: ignore[arg-type]
    with pytest.raises(imaplib.IMAP4.abort):
        stream_untagged(ScriptedConnection(b""), b"FETCH 1 (UID)")  # type: ignore[arg-type]


def test_xoauth2_token_is_sent_once_even_on_an_error_challenge() -> None:
    from mailsurvey.collectors.imap_session import xoauth2_responder
    from mailsurvey.secrets import Secret

    respond = xoauth2_responder("jan@acme.nl", Secret("tok", "test"))
    assert respond(b"") == b"user=jan@acme.nl\x01auth=Bearer tok\x01\x01"
    assert respond(b'{"status":"401","schemes":"bearer"}') == b""


def test_pipeline_matches_answers_by_tag_and_keeps_the_connection_in_step() -> None:
    import imaplib

    from mailsurvey.collectors.imap_session import pipeline

    script = (
        b'* ESEARCH (TAG "T1") UID COUNT 7\r\n'
        b"* 9 EXISTS\r\n"
        b"T1 OK done\r\n"
        b"* 3 FETCH (FLAGS {5}\r\n(\\Ok) UID 3)\r\n"  # unsolicited, with a literal
        b'* ESEARCH (TAG "T2") UID MIN 2 MAX 9\r\n'
        b"T2 OK done\r\n"
    )
    conn = ScriptedConnection(script)
    got = pipeline(
        conn, [b"UID SEARCH RETURN (COUNT) ALL", b"UID SORT RETURN (MIN MAX) (ARRIVAL) UTF-8 ALL"]
    )  # type: ignore[arg-type]
    assert conn.sent.count(b"\r\n") == 2 and conn.sent.startswith(b"T1 UID SEARCH")
    assert [p.parse_esearch(a) for a in got] == [{"COUNT": 7}, {"MIN": 2, "MAX": 9}]
    assert conn.tagged_commands == {}

    failing = ScriptedConnection(b"T1 NO [SERVERBUG] oops\r\nT2 OK done\r\n")
    with pytest.raises(imaplib.IMAP4.error, match="SERVERBUG"):
        pipeline(failing, [b"UID SEARCH RETURN (COUNT) ALL", b"NOOP"])  # type: ignore[arg-type]
    assert failing.buf.read() == b""  # every completion was read before raising

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
        agg.add(size, datetime(2020, 1, 1 + i, 12, tzinfo=tz))
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

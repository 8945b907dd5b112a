"""Waves from the permission graph, on hand-checked graphs and the lab's organisation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mailsurvey.assess.waves import Waves, default_threshold, permission_graph, plan_waves, waves
from mailsurvey.lab.base import DOMAIN
from mailsurvey.lab.org import standard
from mailsurvey.model import GroupMember, Identity, Mailbox, Permission
from mailsurvey.store import Inventory

H = 3600.0


def addr(local: str) -> str:
    return f"{local}@{DOMAIN}"


def inventory(
    boxes: list[str],
    grants: list[tuple[str, str, str]],  # (mailbox, grantee, origin)
    identities: Sequence[Identity] = (),
    members: Sequence[GroupMember] = (),
) -> Inventory:
    return Inventory(
        info=None,
        mailboxes=[Mailbox("hosting", b) for b in boxes],
        permissions=[Permission("src", m, None, g, "rights", o) for m, g, o in grants],
        identities=list(identities),
        group_members=list(members),
    )


def person(local: str, kind: str | None = "user", object_class: str = "user") -> Identity:
    return Identity(
        "dc1",
        f"CN={local},OU=Users,DC=acme,DC=local",
        object_class,
        sam_account_name=local,
        mail=addr(local),
        proxy_addresses=(f"SMTP:{addr(local)}",),
        recipient_type=kind,
    )


def plan(
    inv: Inventory,
    p90: Mapping[str, float],
    *,
    concurrency: int,
    window_s: float,
    threshold: int | None = None,
) -> Waves:
    """The waves of ``inv`` with P90 copies given in hours, by local part."""
    hours = {addr(k): v * H for k, v in p90.items()}
    graph = permission_graph(inv)
    return plan_waves(graph, hours, concurrency=concurrency, window_s=window_s, threshold=threshold)


def groups(result: Waves) -> list[set[str]]:
    return [{m.split("@")[0] for m in w.mailboxes} for w in result.waves]


def test_full_access_puts_two_mailboxes_in_one_wave() -> None:
    inv = inventory([addr("a"), addr("b")], [(addr("a"), addr("b"), "ad_full_access")])
    result = plan(inv, {"a": 1, "b": 1}, concurrency=2, window_s=10 * H)
    assert groups(result) == [{"a", "b"}]
    assert [(e.a, e.b, e.origins) for e in result.edges] == [
        (addr("a"), addr("b"), ("ad_full_access",))
    ]
    wave = result.waves[0]
    assert wave.work_s == 2 * H and wave.makespan_s == 1 * H and wave.fits is True
    assert wave.components == ((addr("a"), addr("b")),)


def test_a_chain_is_one_component() -> None:
    inv = inventory(
        [addr("a"), addr("b"), addr("c"), addr("d")],
        [(addr("a"), addr("b"), "imap_acl"), (addr("c"), addr("b"), "imap_acl")],
    )
    result = plan(inv, {"a": 1, "b": 1, "c": 1, "d": 1}, concurrency=1, window_s=3 * H)
    # the chain (3 h) fills one window; d needs its own
    assert groups(result) == [{"a", "b", "c"}, {"d"}]
    assert result.waves[0].components == ((addr("a"), addr("b"), addr("c")),)


def test_a_service_account_joined_to_everyone_is_set_aside() -> None:
    users = [f"u{i:02}" for i in range(12)]
    inv = inventory(
        [addr(u) for u in [*users, "svc"]],
        [(addr(u), addr("svc"), "ad_full_access") for u in users]
        + [(addr("u00"), addr("u01"), "ews_delegate")],
    )
    result = plan(inv, dict.fromkeys([*users, "svc"], 1.0), concurrency=4, window_s=2 * H)
    assert result.threshold == default_threshold(13) == 10
    assert [(s.address, s.degree, s.p90_s) for s in result.set_aside] == [(addr("svc"), 12, H)]
    assert "shares rights with 12 mailboxes" in result.set_aside[0].reason
    # everyone else is independent but u00-u01; 12 one-hour copies over 4 slots in 2 h
    # windows: 8 mailboxes a wave (u00-u01 first, the largest component), then 4
    assert sorted(len(c) for w in result.waves for c in w.components) == [1] * 10 + [2]
    assert all(w.fits for w in result.waves)
    assert [len(w.mailboxes) for w in result.waves] == [8, 4]
    assert result.waves[0].components[0] == (addr("u00"), addr("u01"))
    placed = [m for w in result.waves for m in w.mailboxes]
    assert sorted(placed) == sorted(addr(u) for u in users)  # each once, svc in none


def test_threshold_is_configurable() -> None:
    inv = inventory(
        [addr("a"), addr("b"), addr("c")],
        [(addr("a"), addr("c"), "imap_acl"), (addr("b"), addr("c"), "imap_acl")],
    )
    result = plan(inv, {"a": 1, "b": 1, "c": 1}, concurrency=1, window_s=1 * H, threshold=2)
    assert [s.address for s in result.set_aside] == [addr("c")]
    assert groups(result) == [{"a"}, {"b"}]


def test_send_as_delegate_and_folder_permission_merge_into_one_edge() -> None:
    inv = inventory(
        [addr("a"), addr("b")],
        [
            (addr("a"), addr("b"), "ad_send_as"),
            (addr("b"), addr("a"), "ews_delegate"),
            (addr("a"), addr("b").upper(), "ews_folder"),
        ],
    )
    graph = permission_graph(inv)
    assert len(graph.edges) == 1
    assert graph.edges[0].origins == ("ad_send_as", "ews_delegate", "ews_folder")
    assert len(graph.edges[0].grants) == 3


def test_groups_are_expanded_into_their_members() -> None:
    team = person("team", kind="group", object_class="group")
    empty = person("leeg", kind="group", object_class="group")
    people = [person(x) for x in ("a", "b", "c", "nobox")]
    people[3] = Identity("dc1", "CN=nobox,OU=Users,DC=acme,DC=local", "user", mail=addr("nobox"))
    members = [
        GroupMember("dc1", team.dn, people[1].dn, True),
        GroupMember("dc1", team.dn, people[2].dn, False),  # through a nested group
        GroupMember("dc1", team.dn, people[3].dn, True),  # no mailbox: no edge
        GroupMember("dc1", empty.dn, people[3].dn, True),
    ]
    inv = inventory(
        [addr("a"), addr("b"), addr("c")],
        [
            (addr("a"), team.dn, "ad_full_access"),  # AD names unresolved ... by DN
            (addr("a"), addr("leeg"), "ad_send_as"),
            (addr("b"), addr("nobox"), "imap_acl"),
        ],
        [team, empty, *people],
        members,
    )
    graph = permission_graph(inv)
    assert [(e.a, e.b) for e in graph.edges] == [(addr("a"), addr("b")), (addr("a"), addr("c"))]
    assert {g.via for e in graph.edges for g in e.grants} == {team.dn}
    assert {(d.grantee, d.reason) for d in graph.dropped} == {
        (addr("leeg"), "no_mailbox"),
        (addr("nobox"), "no_mailbox"),
    }


def test_non_persons_self_grants_and_strangers_are_dropped_and_counted() -> None:
    a, b = addr("a"), addr("b")
    inv = inventory(
        [a, b],
        [
            (a, "anyone", "imap_acl"),
            (b, "anyone", "imap_acl"),
            (a, "Default", "ews_folder"),
            (a, "S-1-5-10", "ad_full_access"),
            (a, "NT AUTHORITY\\SYSTEM", "ad_full_access"),
            (a, a.upper(), "imap_acl"),
            (a, "stranger@elders.example", "imap_acl"),
            (a, "-" + b, "imap_acl"),
            (a, b, "imap_myrights"),  # the scanner's own rights: not a grant
            ("gone@acme.nl", a, "ad_send_as"),
        ],
    )
    graph = permission_graph(inv)
    assert graph.edges == ()
    assert {(d.grantee, d.reason, d.grants) for d in graph.dropped} == {
        ("anyone", "not_a_person", 2),
        ("Default", "not_a_person", 1),
        ("S-1-5-10", "not_a_person", 1),
        ("NT AUTHORITY\\SYSTEM", "not_a_person", 1),
        (a.upper(), "self", 1),
        ("stranger@elders.example", "unknown", 1),
        ("-" + b, "negative", 1),
        ("gone@acme.nl", "unknown_mailbox", 1),
    }


def test_a_component_larger_than_a_window_is_its_own_wave_never_split() -> None:
    inv = inventory([addr("a"), addr("b"), addr("c")], [(addr("a"), addr("b"), "ad_full_access")])
    result = plan(inv, {"a": 30, "b": 30, "c": 1}, concurrency=1, window_s=48 * H)
    big, small = result.waves
    assert set(big.mailboxes) == {addr("a"), addr("b")}
    assert big.oversized and big.fits is False and big.makespan_s == 60 * H
    assert big.note.startswith("does not fit one window: 2 mailboxes")
    assert small.mailboxes == (addr("c"),) and small.fits is True  # c not added to it


def test_first_fit_decreasing_packing_order() -> None:
    # components of 6 h (x+y), 5, 4, 3, 2 h; one slot, 10 h windows:
    # 6 -> W1; 5 -> W2 (11 > 10); 4 -> W1 (10); 3 -> W2 (8); 2 -> W2 (10)
    inv = inventory(
        [addr(x) for x in ("x", "y", "e", "d", "c", "b")], [(addr("x"), addr("y"), "imap_acl")]
    )
    p90 = {"x": 3, "y": 3, "e": 5, "d": 4, "c": 3, "b": 2}
    result = plan(inv, p90, concurrency=1, window_s=10 * H)
    assert groups(result) == [{"x", "y", "d"}, {"e", "c", "b"}]
    assert [w.work_s for w in result.waves] == [10 * H, 10 * H]
    assert [w.number for w in result.waves] == [1, 2]
    # with two slots one window takes all 20 h: LPT 5,4,3,3,3,2 -> 5+3+2 | 4+3+3
    two = plan(inv, p90, concurrency=2, window_s=10 * H)
    assert [(w.work_s, w.makespan_s) for w in two.waves] == [(20 * H, 10 * H)]


def test_a_mailbox_without_forecast_makes_its_wave_unknown_not_zero() -> None:
    inv = inventory([addr("a"), addr("b"), addr("c")], [(addr("a"), addr("b"), "ews_delegate")])
    result = plan(inv, {"a": 2, "c": 1}, concurrency=2, window_s=48 * H)
    known, unknown = result.waves
    assert known.mailboxes == (addr("c"),) and known.work_s == 1 * H and known.fits is True
    assert set(unknown.mailboxes) == {addr("a"), addr("b")}  # b goes with its component
    assert unknown.work_s is None and unknown.fits is None
    assert unknown.unknown == (addr("b"),) and unknown.makespan_s == 2 * H
    assert unknown.note == "duration unknown: 1 mailboxes without a forecast"


def test_without_forecast_waves_hold_at_most_concurrency_unknown_mailboxes() -> None:
    inv = inventory([addr(f"m{i}") for i in range(5)], [])
    result = waves(inv, None, concurrency=2)
    assert [len(w.mailboxes) for w in result.waves] == [2, 2, 1]
    assert all(w.work_s is None and w.fits is None for w in result.waves)


def test_directory_mailboxes_merge_with_scanned_ones_by_address() -> None:
    jan = person("Jan")  # the directory spells it Jan@..., the IMAP source jan@...
    room = person("zaal", kind="room")  # in the directory only
    # a directory without Exchange attributes: known as a mailbox by its scanned address
    ewa = Identity("dc1", "CN=Ewa,DC=acme,DC=local", "user", mail=addr("ewa").upper())
    inv = inventory(
        [addr("jan"), addr("jan"), addr("ewa")],  # two sources describe jan's mailbox
        [
            (room.dn, jan.dn, "ad_full_access"),
            (addr("jan"), "jan", "imap_acl"),
            (addr("jan"), ewa.dn, "ad_send_as"),
        ],
        [jan, room, ewa],
    )
    graph = permission_graph(inv)
    assert graph.nodes == (addr("ewa"), addr("jan"), addr("zaal"))
    assert [(e.a, e.b) for e in graph.edges] == [
        (addr("ewa"), addr("jan")),
        (addr("jan"), addr("zaal")),
    ]
    assert [(d.grantee, d.reason) for d in graph.dropped] == [("jan", "self")]  # by sAMAccountName


def lab_inventory() -> Inventory:
    """The lab's standard organisation as a scan would store it: the IMAP ACLs of its
    Dovecot, and the directory's grants (``lab/ad_org.py``) resolved to addresses, with
    the directory-only mailboxes (a room) and an archiving account joined to everyone."""
    org = standard()
    boxes = [m.address for m in org.mailboxes]
    perms = [
        Permission("hosting", m.address, f.path, who.removeprefix("user="), rights, "imap_acl")
        for m in org.mailboxes
        for f in m.folders
        for who, rights in f.acl
    ]
    directory = {
        "ad_full_access": {
            "info": ["jan.devries", "agnieszka.kowalska", "sanne.bakker"],
            "sales": ["jan.devries", "piotr.nowak"],
            "boekhouding": ["katarzyna.wisniewska", "jan.devries"],
            "jan.devries": ["sophie.deboer"],
            "vergaderzaal.amsterdam": ["lieke.vandijk"],
        },
        "ad_send_as": {
            "info": ["sanne.bakker"],
            "sales": ["piotr.nowak"],
            "directie": ["jan.devries"],
        },
        "ad_send_on_behalf": {
            "jan.devries": ["sophie.deboer"],
            "directie": ["pieter.jansen", "emma.visser"],
        },
    }
    perms += [
        Permission("dc1", addr(box), None, addr(who), "x", origin)
        for origin, table in directory.items()
        for box, grantees in table.items()
        for who in grantees
    ]
    perms += [
        Permission("dc1", b, None, addr("archiver"), "FullAccess", "ad_full_access") for b in boxes
    ]
    perms.append(
        Permission("dc1", addr("info"), None, "S-1-5-21-1-2-3-1105", "FullAccess", "ad_full_access")
    )
    room = person("vergaderzaal.amsterdam", kind="room")
    return Inventory(
        info=None,
        mailboxes=[Mailbox("hosting", b) for b in [*boxes, addr("archiver")]],
        permissions=perms,
        identities=[room],
    )


def test_the_lab_organisation() -> None:
    inv = lab_inventory()
    boxes = {m.address for m in inv.mailboxes} | {addr("vergaderzaal.amsterdam")}
    p90 = {b: 1800.0 for b in boxes if b != addr("vergaderzaal.amsterdam")}
    result = plan_waves(permission_graph(inv), p90, concurrency=8, window_s=4 * H)
    assert [(s.address, s.degree) for s in result.set_aside] == [(addr("archiver"), len(boxes) - 2)]
    # hand-checked from the lab's ACLs and directory grants
    shared = {
        "info", "sales", "boekhouding", "directie", "jan.devries", "agnieszka.kowalska",
        "sanne.bakker", "piotr.nowak", "pieter.jansen", "katarzyna.wisniewska",
        "sophie.deboer", "emma.visser",
    }  # fmt: skip
    comps = sorted((set(c) for w in result.waves for c in w.components), key=len, reverse=True)
    assert comps[0] == {addr(x) for x in shared}
    assert comps[1] == {addr("lieke.vandijk"), addr("vergaderzaal.amsterdam")}
    assert all(len(c) == 1 for c in comps[2:])
    placed = [m for w in result.waves for m in w.mailboxes]
    assert len(placed) == len(set(placed)) == len(boxes) - 1  # all but the archiver
    # 12 half-hour copies over 8 slots: 1 h; the room has no forecast: a wave of its own
    assert result.waves[0].components[0] == tuple(sorted(addr(x) for x in shared))
    assert [w.fits for w in result.waves] == [True] * (len(result.waves) - 1) + [None]
    assert result.waves[-1].unknown == (addr("vergaderzaal.amsterdam"),)
    dropped = {(d.grantee, d.reason) for d in result.dropped_grantees}
    assert dropped == {("anyone", "not_a_person"), ("S-1-5-21-1-2-3-1105", "unknown")}

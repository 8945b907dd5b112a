"""Readiness checks on the organisation: batch size, devices, forwarding outside."""

from __future__ import annotations

from mailsurvey.assess.checks import cutover_cap as cap
from mailsurvey.assess.checks import devices_to_reconfigure as devices
from mailsurvey.assess.checks import external_forwarding as forwarding
from mailsurvey.assess.findings import Severity
from mailsurvey.model import AcceptedDomain, Device, InboxRule, Server
from mailsurvey.store import Inventory

from .checks_helpers import TARGET, folder, inventory, person, target, with_directory


def test_cutover_cap_passes() -> None:
    inv = inventory(folder("a@x"), folder("b@x"))
    assert cap.run(inv, TARGET) == []


def test_cutover_cap_fails_over_the_cap_and_over_the_recommendation() -> None:
    inv = inventory(folder("a@x"), folder("b@x"), failed=("c@x",))
    (f,) = cap.run(inv, TARGET)
    assert (f.reason, f.value, f.severity) == ("over_recommended", 3, Severity.WARNING)
    inv = with_directory(inv, person("d"))  # a directory mailbox not scanned counts too
    (f,) = cap.run(inv, TARGET)
    assert (f.reason, f.value, f.severity) == ("over_cap", 4, Severity.BLOCKER)


def test_cutover_cap_partial() -> None:
    inv = with_directory(inventory(folder("a@x")), broken=True)
    (f,) = cap.run(inv, TARGET)
    assert (f.reason, f.partial) == ("not_known", True)
    assert cap.run(inv, target(max_mailboxes=None, recommended_max_mailboxes=None)) == []


def phone(owner: str, model: str) -> Device:
    return Device("dc", f"CN={owner},DC=x", f"id-{model}", model=model, os="iOS 17")


def test_devices_to_reconfigure_passes() -> None:
    inv = with_directory(inventory(folder("a@x")), person("a"))
    assert devices.run(inv, TARGET) == []


def test_devices_to_reconfigure_fails() -> None:
    inv = with_directory(inventory(folder("a@x")), person("a"))
    inv.devices = [phone("a", "iPhone"), phone("a", "iPad")]
    (f,) = devices.run(inv, TARGET)
    assert (f.mailbox, f.value) == ("a@x", 2) and "iPad (iOS 17), iPhone (iOS 17)" in f.detail


def test_devices_to_reconfigure_from_an_export_without_a_directory() -> None:
    inv = inventory(folder("a@x"))
    inv.devices = [Device("export", "a@x", "id-1", model="Pixel 8", os="Android 14")]
    (f,) = devices.run(inv, TARGET)
    assert (f.mailbox, f.value) == ("a@x", 1) and "Pixel 8 (Android 14)" in f.detail


def test_devices_to_reconfigure_partial() -> None:
    inv = with_directory(inventory(folder("a@x")), person("a"), broken=True)
    (f,) = devices.run(inv, TARGET)
    assert (f.reason, f.partial) == ("not_known", True)


def exchange(*rules: InboxRule, partial: tuple[str, ...] = ()) -> Inventory:
    inv = inventory(folder("a@x"), partial=partial)
    inv.servers = [Server("imap", "h", 443, "Exchange", None, None, ("EWS Exchange2016",))]
    inv.inbox_rules = list(rules)
    return inv


def rule(outside: tuple[str, ...], enabled: bool = True) -> InboxRule:
    return InboxRule(
        "imap", "a@x", "r1", "to home", enabled, False, ("ForwardToRecipients",), outside, outside
    )


def test_external_forwarding_passes() -> None:
    assert forwarding.run(exchange(rule(())), TARGET) == []
    inv = with_directory(inventory(folder("a@x")), person("a", forwarding_to="smtp:b@x"))
    inv.accepted_domains = [AcceptedDomain("dc", "x", "authoritative", True)]
    assert forwarding.run(inv, TARGET) == []


def test_external_forwarding_fails_by_rule_and_by_directory() -> None:
    inv = exchange(rule(("me@gmail.com",)), rule(("old@home.nl",), enabled=False))
    found = {(f.reason, f.severity) for f in forwarding.run(inv, TARGET)}
    assert found == {
        ("rule_forwards_outside", Severity.WARNING),
        ("rule_forwards_outside", Severity.INFO),
    }
    contact = person("ext", "contact", proxy_addresses=("SMTP:ext@gmail.com",))
    inv2 = with_directory(
        inventory(folder("a@x")),
        person("a", forwarding_to=contact.dn, deliver_and_redirect=True),
        contact,
    )
    inv2.accepted_domains = [AcceptedDomain("dc", "x", "authoritative", True)]
    (f,) = forwarding.run(inv2, TARGET)
    assert (f.mailbox, f.reason) == ("a@x", "directory_forwards_outside")
    assert "ext@gmail.com (and keeps a copy)" in f.detail


def test_external_forwarding_partial() -> None:
    inv = with_directory(exchange(partial=("a@x",)), person("b", forwarding_to="smtp:b@out.nl"))
    found = {(f.mailbox, f.reason, f.partial) for f in forwarding.run(inv, TARGET)}
    assert found == {("a@x", "not_known", True), ("b@x", "directory_forward", True)}

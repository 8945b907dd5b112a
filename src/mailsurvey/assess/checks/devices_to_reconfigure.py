"""Phones and tablets (Exchange ActiveSync) whose mail profile must be set up again after
the switch: one finding per owner, from the directory or an Exchange export."""

from __future__ import annotations

from collections import defaultdict

from ...model import Device
from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..join import smtp_addresses
from ..targets import TargetProfile
from ._util import directory_not_known, directory_state, finding

META = CheckMeta(
    id="devices_to_reconfigure",
    title="Devices to reconfigure after the switch",
    severity=Severity.INFO,
    targets=(),
    fix="Plan the reconfiguration of these phones and tablets with their users (or push a"
    " profile by MDM) for the cutover day.",
)


def _name(d: Device) -> str:
    what = d.model or d.device_type or d.device_id
    return f"{what} ({d.os})" if d.os else what


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    scanned, broken = directory_state(inv)
    if not scanned and not inv.devices:  # devices may come from an export, without a directory
        return []
    out = [directory_not_known(META, target, broken, "the devices")] if broken else []
    owners = {i.dn: i for i in inv.identities}
    by_owner: dict[str, list[Device]] = defaultdict(list)
    for d in inv.devices:
        by_owner[d.owner_dn].append(d)
    for dn, devices in sorted(by_owner.items()):
        owner = owners.get(dn)
        address = (smtp_addresses(owner)[0] if owner else None) or dn
        source = owner.source if owner else devices[0].source
        names = ", ".join(sorted(_name(d) for d in devices))
        detail = f"{len(devices)} device(s): {names}"
        out.append(finding(META, target, (source, address), "devices", detail, value=len(devices)))
    return out

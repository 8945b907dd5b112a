"""The lab's DNS zones and their ground truth: the seeded organisation's accepted domains
(``ad_exchange.py``: acme.nl, acme.be, acme-legacy.nl, partner-relay.example) as the
internet would publish them, each with one situation a migration must notice.

- ``acme.nl``: ready: MX with a TTL of 4 hours, SPF with two includes (4 lookups), DMARC
  ``p=quarantine``, DKIM ``selector1`` and the configured selector ``acme2024``,
  autodiscover CNAME and ``_autodiscover._tcp`` SRV.
- ``acme.be``: SPF that needs 11 DNS lookups through nested includes (the limit is 10),
  DMARC ``p=none``, no DKIM, autodiscover by SRV only.
- ``acme-legacy.nl``: no MX, no DMARC, two SPF records (receivers answer permerror).
- ``partner-relay.example``: does not exist (NXDOMAIN); its parent zone ``example`` holds
  the mail providers' SPF records the acme domains include.

The expected figures in ``ground_truth()`` are written out by hand (lookups counted per
RFC 7208 section 4.6.4), not computed by the code under test.
"""

from __future__ import annotations

from typing import Any

SELECTOR = "acme2024"  # the DKIM selector the lab's config names (not a common one)
_KEY = (  # a DKIM public key record's p= value (a 1024-bit RSA key, base64)
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC7lab0acme0nl0dkim0test0key0only0for0the0lab0"
    "mailsurvey0does0not0verify0signatures0it0only0finds0selectors0AQAB"
)
NS_ADDRESS = "192.0.2.53"  # TEST-NET-1 (RFC 5737): never contacted, only published

# zone -> records (owner relative to the zone, "@" for its apex; TTL; type; data)
Record = tuple[str, int, str, str]
ZONES: dict[str, list[Record]] = {
    "acme.nl": [
        ("@", 14400, "MX", "10 mail.acme.nl."),
        ("@", 14400, "MX", "20 mx2.acme.nl."),
        ("@", 3600, "TXT", '"MS=ms48151623"'),
        ("@", 3600, "TXT",
         '"v=spf1 mx include:_spf.mailhost.example include:spf.acme-mailer.example -all"'),
        ("_dmarc", 3600, "TXT", '"v=DMARC1; p=quarantine; sp=reject; pct=50; '
         'rua=mailto:dmarc@acme.nl"'),
        ("selector1._domainkey", 3600, "TXT", f'"v=DKIM1; k=rsa; p={_KEY}"'),
        (f"{SELECTOR}._domainkey", 3600, "TXT", f'"v=DKIM1; k=rsa; p={_KEY}"'),
        ("autodiscover", 3600, "CNAME", "mail.acme.nl."),
        ("_autodiscover._tcp", 3600, "SRV", "0 0 443 mail.acme.nl."),
        ("mail", 3600, "A", "192.0.2.25"),
        ("mx2", 3600, "A", "192.0.2.26"),
    ],
    "acme.be": [
        ("@", 86400, "MX", "10 mail.acme.nl."),
        ("@", 3600, "TXT", '"v=spf1 include:spf1.acme.be include:spf2.acme.be '
         'include:_spf.mailhost.example ~all"'),
        ("spf1", 3600, "TXT", '"v=spf1 a:a1.acme.be a:a2.acme.be include:spf3.acme.be ~all"'),
        ("spf2", 3600, "TXT", '"v=spf1 a:a5.acme.be ip4:192.0.2.128/25 ~all"'),
        ("spf3", 3600, "TXT", '"v=spf1 a:a3.acme.be a:a4.acme.be mx:acme.be ~all"'),
        ("_dmarc", 3600, "TXT", '"v=DMARC1; p=none; rua=mailto:dmarc@acme.be"'),
        ("_autodiscover._tcp", 3600, "SRV", "10 0 443 mail.acme.nl."),
        *((f"a{n}", 3600, "A", f"192.0.2.{140 + n}") for n in range(1, 6)),
    ],
    "acme-legacy.nl": [
        ("@", 600, "A", "192.0.2.80"),
        ("@", 600, "TXT", '"v=spf1 a -all"'),
        ("@", 600, "TXT", '"v=spf1 include:_spf.mailhost.example ~all"'),
        ("autodiscover", 600, "CNAME", "mail.acme.nl."),
    ],
    "example": [
        ("_spf.mailhost", 3600, "TXT",
         '"v=spf1 ip4:198.51.100.0/24 a:relay.mailhost.example ~all"'),
        ("relay.mailhost", 3600, "A", "198.51.100.25"),
        ("spf.acme-mailer", 3600, "TXT", '"v=spf1 ip4:203.0.113.0/24 -all"'),
    ],
}  # fmt: skip


def zone_text(zone: str) -> str:
    """The zone file (RFC 1035 master format) of one of ``ZONES``, with an SOA and NS."""
    lines = [
        f"$ORIGIN {zone}.",
        f"@ 3600 IN SOA ns1.{zone}. hostmaster.{zone}. 2026010101 3600 900 604800 300",
        f"@ 3600 IN NS ns1.{zone}.",
        f"ns1 3600 IN A {NS_ADDRESS}",
    ]
    lines += [f"{owner} {ttl} IN {rtype} {data}" for owner, ttl, rtype, data in ZONES[zone]]
    return "\n".join(lines) + "\n"


def ground_truth() -> dict[str, Any]:
    """What a scan of the lab's DNS must find, per domain."""
    return {
        "dkim_selector": SELECTOR,
        "domains": {
            "acme.nl": {
                "exists": True,
                "mx": ["10 mail.acme.nl", "20 mx2.acme.nl"],
                "mx_ttl": 14400,
                "spf_records": 1,
                # mx (1), include _spf.mailhost.example (1) with its a: (1), include
                # spf.acme-mailer.example (1)
                "spf_lookups": 4,
                "spf_includes": ["_spf.mailhost.example", "spf.acme-mailer.example"],
                "spf_problems": [],
                "dmarc_policy": "quarantine",
                "dmarc_subdomain_policy": "reject",
                "dmarc_pct": 50,
                "dmarc_rua": ["mailto:dmarc@acme.nl"],
                "dkim_selectors": ["selector1", SELECTOR],
                "autodiscover_cname": "mail.acme.nl",
                "autodiscover_srv": "0 0 443 mail.acme.nl",
                "problems": [],
            },
            "acme.be": {
                "exists": True,
                "mx": ["10 mail.acme.nl"],
                "mx_ttl": 86400,
                "spf_records": 1,
                # 3 includes; spf1: a, a, include (3); spf3: a, a, mx (3); spf2: a (1);
                # _spf.mailhost.example: a (1)
                "spf_lookups": 11,
                "spf_includes": ["spf1.acme.be", "spf2.acme.be", "_spf.mailhost.example"],
                "spf_problems": ["spf_too_many_lookups"],
                "dmarc_policy": "none",
                "dmarc_subdomain_policy": "none",
                "dmarc_pct": None,
                "dmarc_rua": ["mailto:dmarc@acme.be"],
                "dkim_selectors": [],
                "autodiscover_cname": None,
                "autodiscover_srv": "10 0 443 mail.acme.nl",
                "problems": ["spf_broken", "dmarc_not_enforced", "no_dkim"],
            },
            "acme-legacy.nl": {
                "exists": True,
                "mx": [],
                "mx_ttl": None,
                "spf_records": 2,
                "spf_lookups": None,  # two records: receivers stop at permerror
                "spf_includes": [],
                "spf_problems": ["spf_multiple_records"],
                "dmarc_policy": None,
                "dmarc_subdomain_policy": None,
                "dmarc_pct": None,
                "dmarc_rua": [],
                "dkim_selectors": [],
                "autodiscover_cname": "mail.acme.nl",
                "autodiscover_srv": None,
                "problems": ["no_mx", "spf_broken", "no_dmarc", "no_dkim"],
            },
            "partner-relay.example": {
                "exists": False,
                "problems": ["nxdomain"],
            },
        },
    }

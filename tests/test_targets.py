"""Target profiles: well-formed, every published limit says where it was published, and the
config's ``targets:`` accepts only known profile ids."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from mailsurvey.assess import methods
from mailsurvey.assess.targets import PROFILES, PUBLISHED_LIMITS, TargetProfile
from mailsurvey.config import ConfigError, load

REFERENCE = re.compile(r"^https://\S+ \((?P<title>.+?)\)(?: \[(?P<gives>[a-z_, ]+)\])?$")
ALL = pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
KINDS = {"mail", "calendar", "contacts", "tasks", "notes"}


def sourced(profile: TargetProfile) -> set[str]:
    given: set[str] = set()
    for ref in profile.references:
        match = REFERENCE.match(ref)
        assert match, f"{profile.id}: not '<url> (<title>) [fields]': {ref!r}"
        if match["gives"]:
            given |= {name.strip() for name in match["gives"].split(",")}
    return given


def present(profile: TargetProfile) -> set[str]:
    return {n for n in PUBLISHED_LIMITS if getattr(profile, n) not in (None, "")}


def test_the_published_limits_are_fields_of_the_profile() -> None:
    assert set(PUBLISHED_LIMITS) <= {f.name for f in fields(TargetProfile)}


def test_the_targets_of_the_issue_are_there() -> None:
    wanted = {"exo-imap", "exo-cutover", "exo-staged", "exo-hybrid", "google-dms", "google-gwm"}
    assert wanted | {"imap"} <= set(PROFILES)


@ALL
def test_id_is_its_key_with_a_title_and_a_known_method(profile: TargetProfile) -> None:
    assert PROFILES[profile.id] is profile
    assert profile.title.strip()
    assert profile.method in methods.PROFILES
    assert profile.carries and profile.carries <= KINDS


@ALL
def test_every_published_limit_has_its_source(profile: TargetProfile) -> None:
    assert present(profile) - sourced(profile) == set()
    assert sourced(profile) <= present(profile)  # no reference claims an unknown limit


@ALL
def test_limits_are_positive(profile: TargetProfile) -> None:
    for name in PUBLISHED_LIMITS:
        value = getattr(profile, name)
        assert not isinstance(value, int) or value > 0, name
    if profile.recommended_max_mailboxes and profile.max_mailboxes:
        assert profile.recommended_max_mailboxes <= profile.max_mailboxes


def test_the_figures_of_the_sources() -> None:
    imap, hybrid = PROFILES["exo-imap"], PROFILES["exo-hybrid"]
    assert imap.max_item_bytes == 35 * 1024**2 and imap.max_items_per_mailbox == 500_000
    assert imap.carries == {"mail"} and imap.refused_folder_chars == "/"
    assert PROFILES["exo-cutover"].max_mailboxes == 2_000
    assert PROFILES["exo-cutover"].recommended_max_mailboxes == 150
    assert hybrid.max_item_bytes == 150 * 1024**2 and hybrid.max_depth == 300
    assert PROFILES["exo-hybrid-plan2"].mailbox_quota_bytes == 100 * 1024**3
    assert PROFILES["google-dms"].max_item_bytes == methods.PROFILES["google-dms"].max_message_bytes
    assert PROFILES["imap"].mailbox_quota_bytes is None  # the plan/target config sets it


CONFIG = """\
project: Acme
client: Acme BV
sources:
  - name: hosting
    type: imap
    host: mail.acme.nl
    auth: {method: master, user: admin, password_env: ACME_IMAP_MASTER}
    accounts: [jan@acme.nl]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_targets_default_to_none(tmp_path: Path) -> None:
    assert load(write(tmp_path, CONFIG)).config.targets == []


def test_config_accepts_every_profile_id(tmp_path: Path) -> None:
    text = CONFIG + f"targets: [{', '.join(PROFILES)}]\n"
    assert load(write(tmp_path, text)).config.targets == list(PROFILES)


def test_config_rejects_an_unknown_id_naming_the_key_and_the_ids(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, CONFIG + "targets: [exo-imap, gmail]\n"))
    (problem,) = info.value.problems
    assert problem.startswith("targets[1]: found 'gmail'; expected")
    assert ", ".join(sorted(PROFILES)) in problem

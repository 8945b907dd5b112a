"""Method profiles: well-formed, and every published limit of a service says where it was
published."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
from pydantic import ValidationError

from mailsurvey.assess.methods import PROFILES, PUBLISHED_LIMITS, MethodProfile
from mailsurvey.config import PlanSettings

REFERENCE = re.compile(r"^https://\S+ \((?P<title>.+?)\)(?: \[(?P<gives>[a-z_, ]+)\])?$")

ALL = pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
SERVICES = [p for p in PROFILES.values() if p.side == "service"]


def sourced(profile: MethodProfile) -> set[str]:
    """The fields a profile's references say they are the source of."""
    given: set[str] = set()
    for ref in profile.references:
        match = REFERENCE.match(ref)
        assert match, f"{profile.id}: not '<url> (<title>) [fields]': {ref!r}"
        if match["gives"]:
            given |= {name.strip() for name in match["gives"].split(",")}
    return given


def test_the_published_limits_are_fields_of_the_profile() -> None:
    assert set(PUBLISHED_LIMITS) <= {f.name for f in fields(MethodProfile)}


def test_there_are_client_and_service_profiles() -> None:
    assert {"mbsync", "offlineimap3", "exo-imap", "google-dms"} <= set(PROFILES)
    assert SERVICES


@ALL
def test_id_is_its_key_and_it_has_a_title(profile: MethodProfile) -> None:
    assert PROFILES[profile.id] is profile
    assert profile.title.strip()


@ALL
def test_every_reference_is_a_url_with_a_title_and_names_only_real_fields(
    profile: MethodProfile,
) -> None:
    assert profile.references
    assert sourced(profile) <= set(PUBLISHED_LIMITS)


@ALL
def test_concurrency_is_sane(profile: MethodProfile) -> None:
    assert profile.default_concurrency >= 1
    if profile.max_concurrency is not None:
        assert profile.default_concurrency <= profile.max_concurrency


@ALL
def test_costs_and_limits_are_not_negative(profile: MethodProfile) -> None:
    assert profile.folder_round_trips >= 0 and profile.message_round_trips >= 0
    assert profile.per_message_s >= 0 and profile.per_mailbox_s >= 0
    for name in PUBLISHED_LIMITS:
        value = getattr(profile, name)
        assert value is None or value > 0, name
    if profile.pipelined:
        assert profile.message_round_trips == 0


@pytest.mark.parametrize("profile", SERVICES, ids=[p.id for p in SERVICES])
def test_every_published_limit_of_a_service_has_its_source(profile: MethodProfile) -> None:
    present = {name for name in PUBLISHED_LIMITS if getattr(profile, name) is not None}
    assert present - sourced(profile) == set()
    # ... and no reference claims a limit the profile leaves unknown
    assert sourced(profile) <= present


@pytest.mark.parametrize("profile", SERVICES, ids=[p.id for p in SERVICES])
def test_a_service_pulls_from_the_source_itself(profile: MethodProfile) -> None:
    assert not profile.carries_twice
    assert profile.validated_by is None  # published limits, not checked by a bench


@ALL
def test_plan_settings_accept_each_method(profile: MethodProfile) -> None:
    assert PlanSettings.model_validate({"method": profile.id}).method == profile.id


def test_plan_settings_reject_an_unknown_method_listing_the_ids() -> None:
    with pytest.raises(ValidationError) as info:
        PlanSettings.model_validate({"method": "imapsync"})
    message = str(info.value)
    assert "'imapsync'" in message
    assert ", ".join(sorted(PROFILES)) in message

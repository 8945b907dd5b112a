"""The EWS parsers on captured answers: permissions, delegates, rules, large items; and a
mailbox read again replacing what the store held of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from defusedxml.ElementTree import fromstring

from mailsurvey.collectors import ews_parse
from mailsurvey.model import MB, InboxRule, Mailbox, Permission, Status, Unit, UnitKind
from mailsurvey.store import Store

T = "http://schemas.microsoft.com/exchange/services/2006/types"


def xml(text: str):  # type: ignore[no-untyped-def]
    return fromstring(f'<t:Root xmlns:t="{T}">{text}</t:Root>')


def test_folder_permissions_roles_custom_rights_and_defaults_left_out() -> None:
    folder = xml(
        "<t:PermissionSet><t:Permissions>"
        "<t:Permission><t:UserId><t:DistinguishedUser>Default</t:DistinguishedUser></t:UserId>"
        "<t:PermissionLevel>None</t:PermissionLevel></t:Permission>"
        "<t:Permission><t:UserId><t:PrimarySmtpAddress>Piotr@Acme.nl</t:PrimarySmtpAddress>"
        "</t:UserId><t:CanCreateItems>true</t:CanCreateItems>"
        "<t:CanCreateSubFolders>true</t:CanCreateSubFolders><t:IsFolderVisible>true"
        "</t:IsFolderVisible><t:EditItems>Owned</t:EditItems><t:DeleteItems>None"
        "</t:DeleteItems><t:ReadItems>FullDetails</t:ReadItems>"
        "<t:PermissionLevel>Custom</t:PermissionLevel></t:Permission>"
        "<t:Permission><t:UserId><t:SID>S-1-5-21-1</t:SID></t:UserId>"
        "<t:PermissionLevel>Reviewer</t:PermissionLevel></t:Permission>"
        "</t:Permissions></t:PermissionSet>"
    )
    got = ews_parse.folder_permissions("x", "a@acme.nl", "Inbox", folder)
    assert [(p.grantee, p.rights) for p in got] == [
        ("piotr@acme.nl", "CreateItems CreateSubfolders FolderVisible EditOwnedItems ReadItems"),
        ("S-1-5-21-1", "Reviewer"),
    ]
    assert {p.origin for p in got} == {"ews_folder"}
    calendar = xml(
        "<t:PermissionSet><t:CalendarPermissions><t:CalendarPermission><t:UserId>"
        "<t:DistinguishedUser>Default</t:DistinguishedUser></t:UserId>"
        "<t:CalendarPermissionLevel>FreeBusyTimeOnly</t:CalendarPermissionLevel>"
        "</t:CalendarPermission><t:CalendarPermission><t:UserId><t:DistinguishedUser>Anonymous"
        "</t:DistinguishedUser></t:UserId><t:CalendarPermissionLevel>Reviewer"
        "</t:CalendarPermissionLevel></t:CalendarPermission></t:CalendarPermissions>"
        "</t:PermissionSet>"
    )
    got = ews_parse.folder_permissions("x", "a@acme.nl", "Calendar", calendar)
    assert [(p.grantee, p.rights) for p in got] == [("Anonymous", "Reviewer")]
    assert ews_parse.folder_permissions("x", "a", "Inbox", xml("")) == []


def test_delegates_as_mailbox_permissions() -> None:
    user = xml(
        "<t:UserId><t:PrimarySmtpAddress>eva@acme.nl</t:PrimarySmtpAddress></t:UserId>"
        "<t:DelegatePermissions><t:CalendarFolderPermissionLevel>Author"
        "</t:CalendarFolderPermissionLevel><t:InboxFolderPermissionLevel>None"
        "</t:InboxFolderPermissionLevel></t:DelegatePermissions>"
        "<t:ReceiveCopiesOfMeetingMessages>false</t:ReceiveCopiesOfMeetingMessages>"
        "<t:ViewPrivateItems>true</t:ViewPrivateItems>"
    )
    bare = xml("<t:UserId><t:PrimarySmtpAddress>x@acme.nl</t:PrimarySmtpAddress></t:UserId>")
    assert ews_parse.delegates("s", "a@acme.nl", [user, bare]) == [
        Permission("s", "a@acme.nl", None, "eva@acme.nl", "calendar:Author view-private-items",
                   "ews_delegate"),
        Permission("s", "a@acme.nl", None, "x@acme.nl", "None", "ews_delegate"),
    ]  # fmt: skip


def test_rules_outside_the_accepted_domains() -> None:
    def address(email: str, routing: str = "SMTP") -> str:
        return (
            f"<t:Address><t:EmailAddress>{email}</t:EmailAddress>"
            f"<t:RoutingType>{routing}</t:RoutingType></t:Address>"
        )

    rule = xml(
        '<t:Rule><t:RuleId>R1</t:RuleId><t:DisplayName>=HYPERLINK("x")</t:DisplayName>'
        "<t:IsEnabled>true</t:IsEnabled><t:IsInError>false</t:IsInError><t:Actions>"
        f"<t:ForwardToRecipients>{address('a@sub.acme.nl')}{address('b@ACME.NL')}"
        f"{address('/o=Acme/ou=Exchange/cn=Recipients/cn=c', 'EX')}</t:ForwardToRecipients>"
        f"<t:RedirectToRecipients>{address('b@gmail.com')}</t:RedirectToRecipients>"
        "<t:SendSMSAlertToRecipients>"
        f"{address('+31612345678', 'MOBILE')}</t:SendSMSAlertToRecipients>"
        "<t:StopProcessingRules>true</t:StopProcessingRules></t:Actions></t:Rule>"
    ).find(f"{{{T}}}Rule")
    (got,) = ews_parse.inbox_rules("s", "m@acme.nl", [rule], {"acme.nl"})
    assert got == InboxRule(
        "s", "m@acme.nl", "R1", '=HYPERLINK("x")', True, False,
        ("ForwardToRecipients", "RedirectToRecipients", "SendSMSAlertToRecipients",
         "StopProcessingRules"),
        ("a@sub.acme.nl", "b@ACME.NL", "/o=Acme/ou=Exchange/cn=Recipients/cn=c", "b@gmail.com"),
        ("a@sub.acme.nl", "b@gmail.com"),
    )  # fmt: skip
    (wild,) = ews_parse.inbox_rules("s", "m@acme.nl", [rule], {"acme.nl", "*.acme.nl"})
    assert wild.outside == ("b@gmail.com",)


def test_large_items_one_observation_per_folder_and_limit() -> None:
    def item(parent: str, size: int | None) -> str:
        prop = (
            '<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0xe08" '
            f'PropertyType="Integer"/><t:Value>{size}</t:Value></t:ExtendedProperty>'
        )
        return f'<t:Message><t:ParentFolderId Id="{parent}"/>{prop if size else ""}</t:Message>'

    answer = xml(
        item("A", 36 * MB) + item("A", 151 * MB) + item("B", None) + item("Z", 40 * MB)
    ).findall(f"{{{T}}}Message")
    where = {"A": ("archive", "Inbox", 0), "B": ("recoverable", "Deletions", 0)}
    got = {(o.folder, o.code): o.message for o in ews_parse.large_items("s", "m", answer, where)}
    assert got == {
        ("Online Archive/Inbox", "item_over_35mb"): "2 item(s) over 35 MB: 151.0 MB, 36.0 MB",
        ("Online Archive/Inbox", "item_over_150mb"): "1 item(s) over 150 MB: 151.0 MB",
        ("Recoverable Items/Deletions", "item_over_35mb"): "1 item(s) over 35 MB: size not given",
        ("Recoverable Items/Deletions", "item_over_150mb"): "1 item(s) over 150 MB: size not given",
        (None, "item_over_35mb"): "1 item(s) over 35 MB: 40.0 MB",
    }


def test_a_mailbox_read_again_replaces_its_rules_permissions_and_observations(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    unit = Unit("ex", UnitKind.ACCOUNT, "a@acme.nl", Status.OK, started=now, finished=now)
    box = Mailbox("ex", "a@acme.nl")
    rule = InboxRule("ex", "a@acme.nl", "R1", "r", True, False, ("Delete",))
    grant = Permission("ex", "a@acme.nl", "Inbox", "b@acme.nl", "Reviewer", "ews_folder")
    other = Permission("dc1", "a@acme.nl", None, "c@acme.nl", "FullAccess", "ad_full_access")
    with Store(tmp_path / "s.sqlite") as store:
        store.finish_partition(unit, [], [other])
        store.finish_mailbox(unit, box, [], [grant], [], [rule])
        inv = store.inventory()
        assert inv.inbox_rules == [rule] and len(inv.permissions) == 2
        store.finish_mailbox(unit, box, [], [], [], [])
        inv = store.inventory()
        assert inv.inbox_rules == [] and inv.permissions == [other]
        assert store.records(InboxRule) == []

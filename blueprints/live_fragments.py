"""The HTML that htmx pages swap in live, per event (see realtime/fragments.py): the
notification badge and list, presence badges, the home page's parties and the staff's
open reports. A conversation's live fragments are in blueprints/conversations/live.py."""

from __future__ import annotations

from realtime.events import PRESENCE, PRESENCE_HIDDEN, Envelope
from realtime.fragments import fragment, opening_state, page_state, render_fragment
from services import accounts, home, message_reading, moderation_reports, notifications, presence
from services.notifications import NOTIFICATION_NEW, NOTIFICATION_READ


def badge(count: int) -> str:
    """A navigation badge (notifications, messages) showing `count`."""
    return render_fragment("partials/notification_badge.html", count=count)


@fragment(NOTIFICATION_NEW)
def _new_notification(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    data = envelope.data
    return [
        ("notification-count", badge(data["unread_count"])),
        (
            "notification-item",
            render_fragment("partials/notification_item.html", n=data, live=True),
        ),
    ]


@fragment(NOTIFICATION_NEW)
def _home_party(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """A followed person's party that started appears on the home page."""
    data = envelope.data
    party_id = data["subject"].get("id")
    if data["kind"] != notifications.PARTY_STARTED or not isinstance(party_id, int):
        return []
    viewer = accounts.find_by_id(viewer_id)
    card = home.party_on_home(viewer, party_id) if viewer else None
    return [("home-party", render_fragment("main/_party.html", p=card))] if card else []


@fragment(NOTIFICATION_READ)
def _read_notifications(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Read in another tab: the count, and each one marked redrawn read where a page
    shows it (all of them: those a page shows first)."""
    data = envelope.data
    marked = (
        notifications.listing(viewer_id)
        if data["all"]
        else notifications.owned(viewer_id, data["ids"])
    )
    items = redrawn([notifications.to_dict(n) for n in marked])
    return [("notification-count", badge(data["unread_count"])), ("notification-changed", items)]


def redrawn(items: list[dict]) -> str:
    """Notifications (as `notifications.to_dict` gives them) redrawn in place wherever a
    page shows them (`notification-changed`)."""
    return "".join(
        render_fragment("partials/notification_item.html", n=n, replace=True) for n in items
    )


@fragment(PRESENCE)
def _presence(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    data = envelope.data
    html = render_fragment("partials/presence_badge.html", presence=data)
    return [(f"presence-{data['user_id']}", html)]


@fragment(PRESENCE_HIDDEN)
def _presence_hidden(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    """An empty slot, as a page drawn now would have (a block, either way)."""
    return [(f"presence-{envelope.data['user_id']}", "")]


@fragment(moderation_reports.REPORTS_CHANGED)
def _reports_changed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Staff see the open-reports count in their navigation, on the overview and in the
    queue, which also says it changed."""
    if not accounts.is_staff(viewer_id):
        return []
    count = int(envelope.data["open_count"])
    report_badge = render_fragment("admin/_reports_badge.html", count=count)
    changed = render_fragment("admin/_reports_changed.html", count=count)
    return [
        ("reports-count", report_badge),
        ("reports-open", str(count)),
        ("reports-changed", changed),
    ]


@page_state
def _badges(viewer_id: int, _people: list[int]) -> list[tuple[str, str]]:
    """What every page shows that no stored event keeps, as it is now: its two badges
    and the latest notifications (read or not, where a page lists them). A page's stream
    sends it when it reopens: a read in another tab while it was down is announced once,
    live, and a replay of the log does not bring it back."""
    latest = [notifications.to_dict(n) for n in notifications.listing(viewer_id)]
    return [
        ("notification-count", badge(notifications.unread_count(viewer_id))),
        ("messages-count", badge(message_reading.unread_total(viewer_id))),
        ("notification-changed", redrawn(latest)),
    ]


@opening_state
def _presence_now(viewer_id: int, people: list[int]) -> list[tuple[str, str]]:
    """The presence of `people` (those a page shows and may see), as it is now: someone
    may have come or gone between the page's render and its stream's opening, or while
    the stream was down, and no replay brings that back."""
    others = [person for person in people if person != viewer_id]
    now = presence.snapshots(others) if others else []
    if viewer_id in people:
        # One's own: this page is open, so never offline (as pages draw it).
        now.append(presence.own(viewer_id))
    return [
        (
            f"presence-{shown['user_id']}",
            render_fragment("partials/presence_badge.html", presence=shown),
        )
        for shown in now
    ]

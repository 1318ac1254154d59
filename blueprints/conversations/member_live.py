"""The live member list of a group's or room's member page (see realtime/fragments.py).

Drawn only for a stream opened with `view=members` (the member page's): drawing a row
reads the members, which no other page needs. A member added goes at the end of the
list, one changed (a role, a mute) is drawn again in place, one gone is taken off; when
the change is the viewer's own (made admin, or owner when the owner left), what they may
do to everyone changes: every row is drawn again, and with them the page's tools for
managers (adding people, the details, deleting) as they now may. When the viewer leaves or is
removed, or the conversation is deleted or closed, the page says why in place of the
list and its forms.
"""

from __future__ import annotations

from blueprints.conversations.live import ended_reason, member_access
from models.conversation import CATEGORIES
from realtime.events import Envelope
from realtime.fragments import fragment, render_fragment
from services import accounts, conversation_listing, conversation_members, conversations
from services.conversation_access import Access

VIEW = "members"
ROW = "conversations/_member_row.html"
TOOLS = "conversations/_member_tools.html"
ACTIONS = "conversations/_member_actions.html"
ENDED = "conversations/_member_page_ended.html"


def _rows(viewer_id: int, access: Access) -> list[dict]:
    viewer = accounts.find_by_id(viewer_id)
    return conversation_listing.member_rows(viewer, access) if viewer else []


def _row_html(row: dict, access: Access, *, oob: bool) -> str:
    return render_fragment(
        ROW,
        row=row,
        cid=access.conversation.id,
        access=access,
        mute_max=conversation_members.MUTE_MAX_MINUTES,
        oob=oob,
    )


def _tools_html(viewer_id: int, access: Access) -> list[str]:
    """What the viewer may do on the page besides the rows, as they now stand (a search
    or a form they were filling in starts again)."""
    cid = access.conversation.id
    info = conversations.to_dict(access.conversation, viewer_id)
    tools = render_fragment(
        TOOLS, cid=cid, access=access, query="", candidates=[], search_error=None, oob=True
    )
    actions = render_fragment(
        ACTIONS,
        cid=cid,
        conversation=info,
        access=access,
        errors={},
        values=info,
        categories=CATEGORIES,
        oob=True,
    )
    return [tools, actions]


@fragment(conversations.MEMBER_REMOVED, VIEW)
@fragment(conversations.CONVERSATION_DELETED, VIEW)
def _page_ended(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    reason = ended_reason(envelope, viewer_id)
    if reason is None:
        return []
    conversation_id = envelope.data["conversation_id"]
    html = render_fragment(ENDED, cid=conversation_id, reason=reason)
    return [(f"member-change-{conversation_id}", html)]


@fragment(conversations.MEMBER_ADDED, VIEW)
@fragment(conversations.MEMBER_UPDATED, VIEW)
@fragment(conversations.MEMBER_REMOVED, VIEW)
def _member_changed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    conversation_id = envelope.data.get("conversation_id")
    person = (envelope.data.get("user") or {}).get("id")
    if not isinstance(conversation_id, int) or not isinstance(person, int):
        return []  # the added person's own copy names the conversation, not the member
    access = member_access(viewer_id, conversation_id)
    if access is None or not access.has_member_list:
        return []  # the page has said why (`_page_ended`)
    rows = _rows(viewer_id, access)
    changed = f"member-change-{conversation_id}"
    if person == viewer_id:
        redrawn = [_row_html(row, access, oob=True) for row in rows]
        return [(changed, "".join([*redrawn, *_tools_html(viewer_id, access)]))]
    row = next((row for row in rows if row["user"]["id"] == person), None)
    if row is None:
        gone = f'<li id="member-{conversation_id}-{person}" hx-swap-oob="delete"></li>'
        return [(changed, gone)]
    if envelope.name == conversations.MEMBER_ADDED:
        return [(f"member-added-{conversation_id}", _row_html(row, access, oob=False))]
    return [(changed, _row_html(row, access, oob=True))]

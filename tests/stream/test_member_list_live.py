"""A group's member page keeps its list true while it is open: a member added goes at the
end, one whose role or mute changes is drawn again, one removed goes, everything when the
viewer's own role changes, and a viewer removed is told why in place of the list. Only the
member page's stream (`view=members`) draws these."""

from __future__ import annotations

import re

import pytest

from tests.support.clients import Account, SSEReader, call_api, register

pytestmark = pytest.mark.server


def member_page(base: str, viewer: Account, *views: str) -> SSEReader:
    """A page stream of `viewer`'s, open: the feed view confirms it with an echo."""
    params = {"view": [*views, "feed"]}
    stream = SSEReader(base + "/events/html", viewer.headers, params, decode=str)
    viewer.echo("the page is open")
    stream.received.wait_for(lambda got: any(name == "feed" for name, _ in got))
    return stream


def fragment(stream: SSEReader, name: str, needle: str) -> str:
    found = stream.received.wait_for(
        lambda got: any(n == name and needle in html for n, html in got)
    )
    return next(html for n, html in found if n == name and needle in html)


def rows_in(html: str) -> set[str]:
    return set(re.findall(r'<li id="(member-\d+-\d+)"', html))


def crew(owner: Account, *members: Account) -> int:
    """A group `owner` made with `members` in it."""
    body = {"kind": "group", "name": "Crew", "members": [m.username for m in members]}
    return call_api(owner, "POST", "/conversations", json=body).json()["conversation"]["id"]


def test_an_open_member_page_follows_its_members(shared_server):
    base = shared_server.url
    ann, bob, cat = (register(base) for _ in range(3))
    group = crew(ann, bob)
    owners, members = member_page(base, ann, "members"), member_page(base, bob, "members")
    elsewhere = member_page(base, ann)  # another of ann's pages: no member list there

    call_api(ann, "POST", f"/conversations/{group}/members", json={"username": cat.username})
    added = fragment(owners, f"member-added-{group}", f"member-{group}-{cat.id}")
    assert "hx-swap-oob" not in added
    assert "Remove" in added
    assert "Remove" not in fragment(members, f"member-added-{group}", f"member-{group}-{cat.id}")

    call_api(
        ann, "POST", f"/conversations/{group}/members/{cat.username}/mute", json={"minutes": 30}
    )
    muted = fragment(owners, f"member-change-{group}", "Muted until")
    assert rows_in(muted) == {f"member-{group}-{cat.id}"}
    assert 'hx-swap-oob="true"' in muted

    # bob's own standing changes: every row is drawn again, with what an admin may do.
    call_api(
        ann, "POST", f"/conversations/{group}/members/{bob.username}/role", json={"role": "admin"}
    )
    everyone = fragment(members, f"member-change-{group}", "Admin")
    assert rows_in(everyone) == {f"member-{group}-{p.id}" for p in (ann, bob, cat)}
    assert f"/members/{cat.username}/remove" in everyone  # an admin outranks a member
    assert f"/members/{ann.username}/remove" not in everyone  # but not the owner
    # and the page's tools: adding people and the group's details, not deleting it
    assert 'id="member-tools-' in everyone
    assert "Add member" in everyone
    assert 'id="member-page-actions-' in everyone
    assert "Save details" in everyone
    assert "for everyone" not in everyone

    call_api(ann, "DELETE", f"/conversations/{group}/members/{cat.username}")
    gone = fragment(owners, f"member-change-{group}", 'hx-swap-oob="delete"')
    assert f'id="member-{group}-{cat.id}"' in gone

    call_api(ann, "DELETE", f"/conversations/{group}/members/{bob.username}")
    ended = fragment(members, f"member-change-{group}", f"member-page-body-{group}")
    assert f"You were removed from this group by {ann.username}." in ended

    ann.echo("after everything")
    elsewhere.received.wait_for(lambda got: sum(name == "feed" for name, _ in got) >= 2)
    names = {name for name, _ in elsewhere.received.events}
    assert f"member-count-{group}" in names  # counted on every page of the group
    assert not names & {f"member-added-{group}", f"member-change-{group}"}
    for stream in (owners, members, elsewhere):
        stream.close()


def test_a_member_made_owner_gets_the_owners_tools_at_once(shared_server):
    """The owner leaves: the longest-serving admin becomes owner, and their open member
    page offers what an owner may do (deleting the group, roles) without a reload; a
    member made a member again loses the tools."""
    base = shared_server.url
    ann, bob, cat = (register(base) for _ in range(3))
    group = crew(ann, bob, cat)
    call_api(
        ann, "POST", f"/conversations/{group}/members/{bob.username}/role", json={"role": "admin"}
    )
    bobs, cats = member_page(base, bob, "members"), member_page(base, cat, "members")

    call_api(ann, "POST", f"/conversations/{group}/leave")
    owned = fragment(bobs, f"member-change-{group}", "Delete<span")
    assert "for everyone" in owned
    assert f"/members/{cat.username}/role" in owned  # an owner makes admins

    call_api(
        bob, "POST", f"/conversations/{group}/members/{cat.username}/role", json={"role": "admin"}
    )
    assert "Save details" in fragment(cats, f"member-change-{group}", 'id="member-tools-')
    call_api(
        bob, "POST", f"/conversations/{group}/members/{cat.username}/role", json={"role": "member"}
    )
    demoted = cats.received.wait_for(
        lambda got: any(
            n == f"member-change-{group}" and "Save details" not in html and "member-tools-" in html
            for n, html in got
        )
    )
    tools = [html for n, html in demoted if "member-tools-" in html][-1]
    assert "Add member" not in tools
    for stream in (bobs, cats):
        stream.close()

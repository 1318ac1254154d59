"""Clip pages: making a clip from a form without JavaScript, its page (the range the
browser plays without scripts, views, the share link), its maker's range editor with the
service's refusals in words, a profile's clips, a party's "Clip the last 30 seconds" with
and without htmx, CSRF, and hostile titles shown inert."""

from __future__ import annotations

import re

from markupsafe import escape

from models.user import Role
from services import clips, conversations, parties, party_membership, playback, posts, social
from tests.support.messages import sent_message
from tests.support.pages import HX, csrf_token, page, post, signed_in

VIDEO = "https://media.example/film.mp4"
XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def made_clip(person, title: str = "The goal", start: float = 10, end: float = 40):
    return clips.create(person, {"title": title, "video_url": VIDEO, "start": start, "end": end})


def test_a_clip_made_by_form_opens_on_its_own_page(app, logged_in_client):
    form = page(logged_in_client, "/clips/new?video_url=" + VIDEO + "&start=1:00")
    assert f'value="{VIDEO}"' in form
    assert 'value="1:00"' in form
    response = post(
        logged_in_client,
        "/clips/new",
        title="Kick-off",
        video_url=VIDEO,
        start="1:00",
        end="1:20.5",
    )
    assert response.status_code == 302
    code = re.fullmatch(r"/c/([\w-]+)", response.headers["Location"]).group(1)
    shown = page(logged_in_client, f"/c/{code}")
    assert "Kick-off" in shown
    assert f'src="{VIDEO}#t=60.0,80.5"' in shown  # the range, without scripts
    assert "1:00 to 1:20.5" in shown
    assert f"/c/{code}" in shown  # the link to share


def test_a_bad_range_is_said_in_words_and_the_form_keeps_what_was_typed(logged_in_client):
    response = post(
        logged_in_client, "/clips/new", title="Too long", video_url=VIDEO, start="0", end="9:00"
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "A clip is at most 5 minutes long." in body
    assert 'value="9:00"' in body
    assert 'value="Too long"' in body


def test_views_count_each_person_once(app, logged_in_client, ben, ben_client):
    code = made_clip(ben).code
    page(logged_in_client, f"/c/{code}")
    page(logged_in_client, f"/c/{code}")
    assert "1 view" in page(ben_client, f"/c/{code}")


def test_only_the_maker_gets_the_editor_and_it_saves_the_range(
    app, logged_in_client, ben, ben_client
):
    code = made_clip(ben).code
    assert "Change the clip" not in page(logged_in_client, f"/c/{code}")
    assert post(logged_in_client, f"/c/{code}", title="x", start="0", end="5").status_code == 403
    assert "Change the clip" in page(ben_client, f"/c/{code}")
    refused = post(ben_client, f"/c/{code}", title="The goal", start="0:50", end="0:20")
    assert refused.status_code == 400
    assert "A clip ends after it starts." in refused.get_data(as_text=True)
    saved = post(ben_client, f"/c/{code}", title="The goal, again", start="0:15", end="0:45")
    assert saved.status_code == 302
    shown = page(ben_client, f"/c/{code}")
    assert "The goal, again" in shown
    assert "0:15 to 0:45" in shown


def test_deleting_a_clip_takes_its_page_away(app, logged_in_client, ben, ben_client):
    code = made_clip(ben).code
    assert post(logged_in_client, f"/c/{code}/delete").status_code == 403
    assert post(ben_client, f"/c/{code}/delete").status_code == 302
    page(ben_client, f"/c/{code}", status=404)
    page(logged_in_client, f"/c/{code}", status=404)


def test_a_profile_lists_its_clips(app, logged_in_client, ben):
    made_clip(ben, "Best save")
    profile = page(logged_in_client, "/u/ben")
    assert "Clips by ben" in profile
    assert "Best save" in profile
    own = page(logged_in_client, "/u/alice")
    assert "No clips yet." in own
    assert "Make a clip" in own


def test_hostile_titles_are_shown_inert(app, logged_in_client, ben):
    code = made_clip(ben, XSS[:120]).code
    shown = page(logged_in_client, f"/c/{code}")
    assert XSS[:40] not in shown
    assert str(escape(XSS[:40])) in shown.replace("&#34;", '"')
    assert "<script>alert(2)" not in page(logged_in_client, "/u/ben")


def test_forms_without_the_csrf_token_are_refused(app, logged_in_client, ben):
    code = made_clip(ben).code
    fields = {"title": "x", "video_url": VIDEO, "start": "0", "end": "5"}
    assert logged_in_client.post("/clips/new", data=fields).status_code == 400
    assert logged_in_client.post(f"/c/{code}/delete", data={}).status_code == 400
    assert clips.visible_clip(ben, code)


def test_a_party_clip_answers_htmx_in_place_and_a_form_with_the_clip(app, logged_in_client, ben):
    party = parties.create(ben, {"title": "Match", "media_url": VIDEO, "visibility": "public"})
    party_membership.enter(logged_in_client.user, party.id)
    shown = page(logged_in_client, f"/parties/{party.id}")
    assert "Clip the last 30 seconds" in shown
    token = csrf_token(logged_in_client)
    early = logged_in_client.post(f"/parties/{party.id}/clip", headers={**HX, "X-CSRFToken": token})
    assert "Nothing has played yet" in early.get_data(as_text=True)
    playback.seek(ben, party.id, 75.0)
    answer = logged_in_client.post(
        f"/parties/{party.id}/clip", headers={**HX, "X-CSRFToken": token}
    ).get_data(as_text=True)
    assert "Clipped:" in answer
    assert "0:45\u20131:15" in answer
    plain = post(logged_in_client, f"/parties/{party.id}/clip")
    assert plain.status_code == 302
    assert plain.headers["Location"].startswith("/c/")


def test_a_reported_clip_reaches_the_queue_and_is_taken_down_there(
    app, logged_in_client, ben, user_factory
):
    clip = made_clip(ben, "Spam clip")
    shown = page(logged_in_client, f"/c/{clip.code}")
    assert f'href="/report/clip/{clip.id}"' in shown
    assert "a clip by @ben: “Spam clip”" in page(logged_in_client, f"/report/clip/{clip.id}")
    assert post(logged_in_client, f"/report/clip/{clip.id}", reason="spam").status_code == 302
    assert "A clip" in page(logged_in_client, "/reports")

    user_factory("moe", role=Role.MODERATOR)
    moderator = signed_in(app, "moe")
    queue = page(moderator, "/admin/reports")
    assert "a clip" in queue
    assert f'href="/c/{clip.code}"' in queue
    report_id = re.search(r'id="report-(\d+)"', queue).group(1)
    assert (
        post(moderator, f"/admin/reports/{report_id}/resolve", action="remove").status_code == 302
    )
    page(logged_in_client, f"/c/{clip.code}", status=404)


def test_a_clip_linked_in_a_message_or_a_post_plays_inline(app, logged_in_client, ben):
    youtube = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    clip = clips.create(ben, {"title": "The save", "video_url": youtube, "start": 5, "end": 9})
    group = conversations.create_group(ben, "Match chat", ["alice"])
    sent_message(ben, group.id, f"watch this /c/{clip.code}")
    shown = page(logged_in_client, f"/conversations/{group.id}")
    embed = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=5&amp;end=9"
    assert f'<iframe src="{embed}"' in shown
    assert f'href="/c/{clip.code}"' in shown

    social.follow(logged_in_client.user, "ben")
    posts.create(ben, f"my clip https://tandem.example/c/{clip.code}", audience="followers")
    assert f'<iframe src="{embed}"' in page(logged_in_client, "/")

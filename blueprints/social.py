"""People pages: profiles, follower lists, search, and the follow and block buttons.

The buttons are plain forms: with htmx they swap themselves in place, without JS the
browser posts and comes back to the profile.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.confirm import not_yet_sure
from blueprints.htmx_responses import is_htmx
from blueprints.post_views import cards
from realtime.events import PRESENCE_HIDDEN, Envelope
from realtime.fragments import fragment, render_fragment
from request_body import query_page
from route_limits import user_action
from services import accounts, feed, home, parties, party_shapes, playlist_views, profiles, social

bp = Blueprint("social", __name__)
# A profile's stream asks for its live follow counts and buttons (`_relation_now`).
PROFILE_VIEW = "profile"


@bp.get("/u/<username>")
@login_required
def profile(username: str):
    user = accounts.get_by_username(username)
    listed = feed.posts_by(current_user, username, request.args.get("cursor"))
    page = {**listed, "posts": cards(current_user.id, listed["posts"])}
    cursor = page["next_cursor"]
    more_url = url_for("social.profile", username=user.username, cursor=cursor) if cursor else None
    if is_htmx() and request.args.get("cursor"):  # "Older posts", loaded in place
        return render_template("posts/_page.html", page=page, more_url=more_url)
    return render_template(
        "social/profile.html",
        user=user,
        counts=social.counts(user.id),
        presence=profiles.visible_presence(current_user.id, user),
        relation=social.relation(current_user.id, user.id),
        page=page,
        more_url=more_url,
        hosted_parties=[
            party_shapes.to_dict(party, current_user)
            for party in parties.hosted_by(current_user, user)
        ],
        playlists=playlist_views.on_profile(current_user, user),
        stream_args={"author": user.id, "view": PROFILE_VIEW},
    )


@bp.get("/u/<username>/<any(followers, following):which>")
@login_required
def people_list(username: str, which: str):
    lister = social.followers if which == "followers" else social.following
    page = lister(username, page=query_page(99_999), per_page=20)
    user = accounts.get_by_username(username)
    return render_template(
        "social/people_list.html",
        user=user,
        which=which,
        page=page,
        presences={
            person.id: profiles.visible_presence(current_user.id, person) for person in page.users
        },
    )


@bp.get("/people")
@login_required
def search():
    """Search by name; before anyone types, people to follow and people active lately."""
    query = request.args.get("q", "")[:64]
    found = profiles.search(current_user, query) if query.strip() else []
    suggested = recent = []
    if not query.strip():
        suggested = home.suggestions(current_user)
        recent = home.recently_active(current_user)
    shown = {p.id: p for p in (*found, *(s.person for s in suggested), *recent)}
    return render_template(
        "social/search.html",
        query=query,
        found=found,
        suggested=suggested,
        recent=recent,
        presences={i: profiles.visible_presence(current_user.id, p) for i, p in shown.items()},
    )


BLOCK_DETAIL = (
    "They will no longer be able to follow you, message you or see your presence, and"
    " the comments each of you wrote under the other's posts are deleted."
)
ACTIONS = {
    "follow": social.follow,
    "unfollow": social.unfollow,
    "block": social.block,
    "unblock": social.unblock,
}


@user_action(
    bp, "POST", "/u/<username>/<any(follow, unfollow, block, unblock):action>", budgets.SOCIAL_WRITE
)
def act(username: str, action: str):
    if action == "block":
        person = accounts.get_by_username(username)
        back = url_for("social.profile", username=person.username)
        question = f"Block {person.username}?"
        sure = not_yet_sure(question, "Block", back, BLOCK_DETAIL)
        if sure is not None:
            return sure
    user = ACTIONS[action](current_user, username)
    if is_htmx() and request.form.get("shown") == "suggestion":
        return render_template("partials/suggestion_followed.html", user=user)
    if is_htmx():
        return render_template(
            "partials/relation_buttons.html",
            user=user,
            relation=social.relation(current_user.id, user.id),
            counts=social.counts(user.id),
        )
    return redirect(url_for("social.profile", username=user.username))


@fragment(social.COUNTS, PROFILE_VIEW)
@fragment(PRESENCE_HIDDEN, PROFILE_VIEW)
def _relation_now(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """An open profile's counts, and its viewer's follow and block buttons, as they are
    now: someone followed or left, or the viewer did in another tab; or a block between
    the two (`presence:hidden`, which is all the viewer hears of one made by the other);
    or the account was deleted. Only for the person the page is about (its stream's
    `author`): the viewer's stream hears the counts of everyone it follows."""
    person_id = envelope.data["user_id"]
    if str(person_id) not in request.args.getlist("author"):
        return []
    person, viewer = accounts.find_by_id(person_id), accounts.find_by_id(viewer_id)
    if person is None or viewer is None:
        return []
    if person.is_deleted:  # who the page is about too: no name, handle, presence or buttons
        gone = {"user": person, "current_user": viewer, "oob": True}
        html = render_fragment("partials/relation_buttons.html", **gone)
        about = render_fragment("partials/profile_about.html", **gone)
        return [("relation-change", html + about + _lists_emptied(person.id))]
    html = render_fragment(
        "partials/relation_buttons.html",
        user=person,
        current_user=viewer,
        relation=social.relation(viewer_id, person.id),
        counts=social.counts(person.id),
        oob=True,
    )
    if envelope.name == PRESENCE_HIDDEN:  # a block: the lists go as the posts do
        html += _lists_emptied(person.id)
    return [("relation-change", html)]


def _lists_emptied(person_id: int) -> str:
    return render_fragment("partials/profile_lists_emptied.html", user_id=person_id)


@bp.get("/media/avatars/<name>")
@login_required
def avatar(name: str):
    path = profiles.avatar_path(name)
    if path is None:
        abort(404)
    return send_file(path, max_age=86400)

"""Leaving, and what the host and co-hosts do: starting and ending, deciding requests,
roles, removals, the queue, and inviting people."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.confirm import not_yet_sure
from blueprints.htmx_responses import is_htmx
from blueprints.parties.base import bp, party_url
from blueprints.parties.page import manage_in_panel, queue_context, render_panel, render_party
from errors import ServiceError, ValidationError
from models.party import Party
from route_limits import user_action
from services import invites, parties, party_access, party_membership, party_queue, playback


@user_action(bp, "POST", "/parties/<int:party_id>/leave", budgets.PARTY_LEAVE)
def leave(party_id: int):
    title = party_membership.leave(current_user, party_id)
    flash(f"You left “{title}”.", "success")
    return redirect(url_for("parties.index"))


@user_action(bp, "POST", "/parties/<int:party_id>/end", budgets.PARTY_LIFECYCLE)
def end(party_id: int):
    title = party_access.host(current_user, party_id).party.title
    question = f"End “{title}” for everyone?"
    detail = "Everyone in it stops watching together. This cannot be undone."
    if page := not_yet_sure(question, "End the party", party_url(party_id), detail):
        return page
    parties.end(current_user, party_id)
    # The page itself says it has ended, once.
    return redirect(party_url(party_id))


@user_action(bp, "POST", "/parties/<int:party_id>/start", budgets.PARTY_LIFECYCLE)
def start(party_id: int):
    party = parties.start(current_user, party_id)
    flash(f"“{party.title}” is live.", "success")
    return redirect(party_url(party_id))


@user_action(bp, "POST", "/parties/<int:party_id>/next", budgets.PARTY_CONTROL)
def play_next(party_id: int):
    return manage_in_panel(party_id, "queue", "Playing the next one.", playback.next_item)


@user_action(
    bp,
    "POST",
    "/parties/<int:party_id>/requests/<username>/<any(approve, refuse):decision>",
    budgets.PARTY_PEOPLE,
)
def decide(party_id: int, username: str, decision: str):
    approve = decision == "approve"
    done = f"{username} is in." if approve else f"{username} was turned away."
    return manage_in_panel(party_id, "people", done, party_membership.decide, username, approve)


@user_action(
    bp, "POST", "/parties/<int:party_id>/participants/<username>/role", budgets.PARTY_PEOPLE
)
def set_role(party_id: int, username: str):
    role = request.form.get("role", "")
    done = f"{username} is a {role} now."
    return manage_in_panel(party_id, "people", done, party_membership.set_role, username, role)


@user_action(
    bp, "POST", "/parties/<int:party_id>/participants/<username>/remove", budgets.PARTY_PEOPLE
)
def remove(party_id: int, username: str):
    party_access.host(current_user, party_id)
    back = party_url(party_id, "party-people")
    detail = "They cannot come back to this party."
    if page := not_yet_sure(
        f"Remove {username} from the party?", f"Remove {username}", back, detail
    ):
        return page
    done = f"{username} was removed from the party."
    return manage_in_panel(party_id, "people", done, party_membership.remove, username)


@user_action(bp, "POST", "/parties/<int:party_id>/queue", budgets.PARTY_QUEUE)
def queue_add(party_id: int):
    form = request.form
    try:
        item = party_queue.add(
            current_user, party_id, form.get("media_url", ""), form.get("title", "")
        )
    except ValidationError as error:
        access = party_access.present(current_user, party_id)
        if is_htmx():
            context = queue_context(access)
            return render_template(
                "parties/_queue.html",
                queue=context,
                note=None,
                queue_error=(error.field, error.message),
                queue_values=form,
            )
        return render_party(
            access, 400, queue_error=(error.field, error.message), queue_values=form
        )
    done = "Added to the queue." if item.status == "queued" else "Suggested to the host."
    if is_htmx():
        return render_panel("queue", party_access.present(current_user, party_id), (done, True))
    flash(done, "success")
    return redirect(party_url(party_id, "party-queue"))


# A driver's word on one item of the queue, and what the panel says once it is done.
QUEUE_ITEM_ACTIONS = {
    "remove": (party_queue.remove, "Taken off the queue."),
    "accept": (party_queue.accept, "Suggestion accepted."),
}


@user_action(
    bp,
    "POST",
    "/parties/<int:party_id>/queue/<int:item_id>/<any(remove, accept):verb>",
    budgets.PARTY_QUEUE,
)
def queue_item(party_id: int, item_id: int, verb: str):
    action, done = QUEUE_ITEM_ACTIONS[verb]
    return manage_in_panel(party_id, "queue", done, action, item_id)


@user_action(
    bp,
    "POST",
    "/parties/<int:party_id>/queue/<int:item_id>/<any(up, down):direction>",
    budgets.PARTY_QUEUE,
)
def queue_move(party_id: int, item_id: int, direction: str):
    return manage_in_panel(
        party_id, "queue", "Queue reordered.", party_queue.move, item_id, direction
    )


def _render_invites(
    party: Party, query: str, note: tuple[str, bool] | None, invited: str | None = None
):
    """The search and its results: the party page's invite panel swaps the results in
    place; without JavaScript they are a page of their own. Whoever was just `invited`
    shows as invited instead of with a button."""
    error = None
    found = []
    if query:
        try:
            found = invites.party_candidates(current_user, party.id, query)
        except ValidationError as problem:
            error = problem.message
    context = {
        "party": party,
        "query": query,
        "found": found,
        "error": error,
        "note": note,
        "invited": invited,
    }
    if is_htmx():
        return render_template("parties/_invite_results.html", **context)
    return render_template("parties/invite.html", **context)


@bp.get("/parties/<int:party_id>/invite")
@login_required
def invite_search(party_id: int):
    party = invites.party_for_invites(current_user, party_id)
    query = request.args.get("q", "").strip()[:100]
    return _render_invites(party, query, None, request.args.get("invited", "")[:32] or None)


@user_action(bp, "POST", "/parties/<int:party_id>/invite", budgets.PARTY_INVITE)
def invite_person(party_id: int):
    party = invites.party_for_invites(current_user, party_id)
    username = request.form.get("username", "")
    query = request.form.get("q", "").strip()[:100]
    invited = None
    try:
        invited = invites.invite_to_party(current_user, party_id, username).username
    except ServiceError as error:  # the party was found above: this is about the person
        note = (error.message, False)
    else:
        note = (f"{invited} is invited; they can join from their notifications.", True)
    if is_htmx():
        return _render_invites(party, query, note, invited)
    flash(note[0], "success" if note[1] else "error")
    return redirect(
        url_for("parties.invite_search", party_id=party_id, q=query or None, invited=invited)
    )

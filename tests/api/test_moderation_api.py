"""Reports and moderation over JSON: who may, what it does, and the audit log."""

from __future__ import annotations

import pytest

from models.user import Role
from services import accounts, notifications
from tests.conftest import PASSWORD


@pytest.fixture
def staff(user_factory, bearer):
    people = {
        "admin": user_factory("ada", role=Role.ADMIN),
        "mod": user_factory("moe", role=Role.MODERATOR),
        "user": user_factory("uli"),
        "troll": user_factory("trol"),
    }
    return {name: (user, bearer(user)) for name, user in people.items()}


def dm_message(client, sender, recipient_name, body="bad words"):
    conversation = client.post(
        "/api/v1/conversations", json={"kind": "direct", "username": recipient_name}, headers=sender
    ).get_json()["conversation"]
    return client.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"body": body}, headers=sender
    ).get_json()["message"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/admin/reports"),
        ("post", "/api/v1/admin/reports/1/resolve"),
        ("post", "/api/v1/admin/users/trol/ban"),
        ("delete", "/api/v1/admin/users/trol/ban"),
        ("post", "/api/v1/admin/users/trol/mute"),
        ("post", "/api/v1/admin/users/trol/warn"),
        ("delete", "/api/v1/admin/messages/1"),
        ("get", "/api/v1/admin/audit"),
    ],
)
def test_admin_endpoints_do_not_exist_for_users(client, staff, method, url):
    response = getattr(client, method)(
        url, json={"reason": "x", "minutes": 5, "action": "dismiss"}, headers=staff["user"][1]
    )
    assert response.status_code == 404


def test_report_resolve_and_reporter_is_told(client, staff):
    message = dm_message(client, staff["troll"][1], "uli")
    report = client.post(
        "/api/v1/reports",
        json={"subject_type": "message", "subject_id": message["id"], "reason": "abusive"},
        headers=staff["user"][1],
    )
    assert report.status_code == 201
    queue = client.get("/api/v1/admin/reports", headers=staff["mod"][1]).get_json()
    assert queue["open_count"] == 1
    [entry] = queue["reports"]
    assert (entry["subject_type"], entry["reason"]) == ("message", "abusive")
    resolved = client.post(
        f"/api/v1/admin/reports/{entry['id']}/resolve",
        json={"action": "remove", "note": "removed"},
        headers=staff["mod"][1],
    )
    assert resolved.get_json()["report"]["status"] == "resolved"
    history = client.get(
        f"/api/v1/conversations/{message['conversation_id']}/messages", headers=staff["user"][1]
    ).get_json()["messages"]
    assert [m["deleted"] for m in history if m["id"] == message["id"]] == [True]
    kinds = [n.kind for n in notifications.listing(staff["user"][0].id)]
    assert "moderation" in kinds
    audit = client.get("/api/v1/admin/audit", headers=staff["admin"][1]).get_json()["entries"]
    assert [e["action"] for e in audit][:2] == ["resolve_report", "remove_message"]
    assert audit[0]["actor"]["username"] == "moe"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"subject_type": "planet", "subject_id": 1, "reason": "x"}, 400),
        ({"subject_type": "message", "subject_id": "1", "reason": "x"}, 400),
        ({"subject_type": "user", "subject_id": "nobody_at_all", "reason": "x"}, 404),
        ({"subject_type": "user", "subject_id": 999999, "reason": "x"}, 404),
        ({"subject_type": "user", "subject_id": 1, "reason": ""}, 400),
        ({"subject_type": "user", "subject_id": 1, "reason": "x" * 1001}, 400),
        ({"subject_type": "user", "subject_id": "trol", "reason": ["spam"]}, 400),
        ({"subject_type": "user", "subject_id": "trol", "reason": {"spam": 1}}, 400),
    ],
)
def test_report_bad_input(client, staff, body, status):
    assert client.post("/api/v1/reports", json=body, headers=staff["user"][1]).status_code == status


def test_nobody_reports_a_message_they_cannot_see(client, staff):
    message = dm_message(client, staff["troll"][1], "ada")
    response = client.post(
        "/api/v1/reports",
        json={"subject_type": "message", "subject_id": message["id"], "reason": "x"},
        headers=staff["user"][1],
    )
    assert response.status_code == 404


def test_ban_bites_and_unban_restores(client, staff):
    troll_auth = staff["troll"][1]
    banned = client.post(
        "/api/v1/admin/users/trol/ban", json={"reason": "spam"}, headers=staff["mod"][1]
    )
    assert banned.status_code == 200
    assert client.get("/api/v1/me", headers=troll_auth).status_code == 401  # tokens revoked
    again = client.post("/api/v1/auth/token", json={"username": "trol", "password": PASSWORD})
    assert again.status_code == 403
    assert again.get_json()["error"]["code"] == "banned"
    client.delete("/api/v1/admin/users/trol/ban", headers=staff["mod"][1])
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "trol", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_moderators_cannot_act_on_admins_and_only_admins_change_roles(client, staff):
    assert (
        client.post(
            "/api/v1/admin/users/ada/ban", json={"reason": "x"}, headers=staff["mod"][1]
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/admin/users/uli/role", json={"role": "moderator"}, headers=staff["mod"][1]
        ).status_code
        == 403
    )
    promoted = client.post(
        "/api/v1/admin/users/uli/role", json={"role": "moderator"}, headers=staff["admin"][1]
    )
    assert promoted.get_json()["user"]["role"] == "moderator"
    assert (
        client.post(
            "/api/v1/admin/users/moe/ban", json={"reason": "x"}, headers=staff["admin"][1]
        ).status_code
        == 200
    )


def test_site_wide_mute_and_timed_ban(client, staff):
    muted = client.post(
        "/api/v1/admin/users/trol/mute", json={"minutes": 30}, headers=staff["mod"][1]
    )
    assert muted.get_json()["muted_until"]
    conversation = client.post(
        "/api/v1/conversations",
        json={"kind": "direct", "username": "uli"},
        headers=staff["troll"][1],
    ).get_json()["conversation"]
    refused = client.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"body": "hi"},
        headers=staff["troll"][1],
    )
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "muted"
    bad = client.post(
        "/api/v1/admin/users/uli/ban",
        json={"reason": "x", "expires_at": "2001-01-01T00:00:00Z"},
        headers=staff["mod"][1],
    )
    assert bad.status_code == 400
    timed = client.post(
        "/api/v1/admin/users/uli/ban",
        json={"reason": "cool off", "expires_at": "2999-01-01T00:00:00Z"},
        headers=staff["mod"][1],
    )
    assert timed.status_code == 200
    assert accounts.find_by_username("uli").is_banned


def test_a_muted_person_keeps_the_name_and_bio_everyone_reads(client, staff):
    troll = staff["troll"][1]
    ok = client.patch("/api/v1/me", json={"display_name": "Troll", "bio": "hi"}, headers=troll)
    assert ok.status_code == 200
    client.post("/api/v1/admin/users/trol/mute", json={"minutes": 30}, headers=staff["mod"][1])
    for change in ({"display_name": "Ada the admin"}, {"bio": "buy now"}):
        refused = client.patch("/api/v1/me", json=change, headers=troll)
        assert refused.status_code == 403, change
        assert refused.get_json()["error"]["code"] == "muted"
    colour = client.patch("/api/v1/me", json={"avatar_color": 3, "bio": "hi"}, headers=troll)
    assert colour.status_code == 200
    shown = client.get("/api/v1/users/trol", headers=staff["user"][1]).get_json()["user"]
    assert (shown["display_name"], shown["bio"]) == ("Troll", "hi")


def test_acting_again_on_what_is_gone_tells_and_logs_nothing_more(client, staff):
    admin, troll = staff["admin"][1], staff["troll"][1]
    removed = dm_message(client, troll, "uli", "rude")
    deleted = dm_message(client, troll, "uli", "oops")
    assert client.delete(f"/api/v1/messages/{deleted['id']}", headers=troll).status_code == 204
    for message in (removed, removed, deleted):
        gone = client.delete(f"/api/v1/admin/messages/{message['id']}?reason=x", headers=admin)
        assert gone.status_code == 204
    party = client.post(
        "/api/v1/parties",
        json={"title": "Loud", "media_url": "https://media.example/v.mp4"},
        headers=troll,
    ).get_json()["party"]
    for _ in range(2):
        ended = client.post(f"/api/v1/admin/parties/{party['id']}/end", json={}, headers=admin)
        assert ended.status_code < 300
    lifted = client.post("/api/v1/admin/users/uli/mute", json={"minutes": 0}, headers=admin)
    assert lifted.get_json() == {"muted_until": None}

    told = client.get("/api/v1/notifications", headers=troll).get_json()["notifications"]
    assert sorted(n["subject"]["what"] for n in told) == ["message", "party"]
    uli = client.get("/api/v1/notifications", headers=staff["user"][1]).get_json()
    assert [n for n in uli["notifications"] if n["kind"] == "moderation"] == []
    actions = [
        e["action"] for e in client.get("/api/v1/admin/audit", headers=admin).get_json()["entries"]
    ]
    assert sorted(actions) == ["end_party", "remove_message"]

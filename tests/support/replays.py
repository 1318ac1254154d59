"""What an API client is answered and replayed, for tests through the Flask test client."""

from __future__ import annotations

import json


def ok(answer) -> dict:
    """The JSON of a successful answer (none for an empty one)."""
    assert answer.status_code < 300, (answer.status_code, answer.get_data(as_text=True))
    return answer.get_json() if answer.data else {}


def cursor_now(client, headers) -> str:
    return ok(client.get("/api/v1/events", headers=headers))["cursor"]


def replayed(client, headers, cursor: str) -> str:
    """Everything a resume from `cursor` carries, as one text to search."""
    answer = client.get(
        "/api/v1/events", query_string={"cursor": cursor, "timeout": 0}, headers=headers
    )
    return json.dumps(ok(answer)["events"], ensure_ascii=False)

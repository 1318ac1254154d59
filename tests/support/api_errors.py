"""The JSON API's error contract, as the API tests check it."""

from __future__ import annotations


def assert_error(response, status: int, code: str, field: str | None = None) -> None:
    """`response` answers `status` with the contract's error: the `code`, a message a
    person reads and, when `field` is given, that field."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    if field:
        assert error["field"] == field

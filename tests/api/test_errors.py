"""PROTOCOL section 2: JSON errors under /api/, friendly pages elsewhere, never a raw 500."""

from __future__ import annotations

from tests.conftest import make_app


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"code": "not_found", "message": "There is nothing here."}
    }


def test_unknown_page_is_an_html_404(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert "Back to the home page" in page


def test_wrong_method_is_405_with_allow(client):
    response = client.get("/api/v1/auth/register")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_oversized_body_is_413(client):
    response = client.post(
        "/api/v1/auth/register",
        data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_unexpected_failure_is_a_json_500_without_internals(tmp_path):
    app = make_app(tmp_path)

    @app.get("/api/v1/explode")
    def explode():
        raise RuntimeError("secret internals")

    @app.get("/explode")
    def explode_page():
        raise RuntimeError("secret internals")

    client = app.test_client()
    response = client.get("/api/v1/explode")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)
    page = client.get("/explode")
    assert page.status_code == 500
    assert "Something went wrong" in page.get_data(as_text=True)
    assert "secret internals" not in page.get_data(as_text=True)

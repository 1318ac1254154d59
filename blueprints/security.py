"""Who is asking, and the request-wide defences: bearer tokens, CSRF, security headers."""

from __future__ import annotations

from flask import Flask, Response, current_app, flash, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import AnonymousUserMixin, current_user
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from blueprints.htmx_responses import is_htmx
from errors import Unauthenticated
from extensions import csrf, login_manager
from models.user import User
from request_identity import TokenBearer, is_identity_only
from response_headers import CONTENT_SECURITY_POLICY, security_headers
from services import accounts, api_tokens

# Endpoints that exchange credentials for a token: they set no cookie and read no
# session, so a forged cross-site request gains nothing. They take JSON only.
CSRF_EXEMPT_ENDPOINTS = frozenset({"api.auth_register", "api.auth_token"})

# Routes that take files may receive more than MAX_CONTENT_LENGTH in a multipart body:
# the setting named is their limit (plus room for the form around the file). Raised
# before anything, the CSRF check included, reads the body.
UPLOAD_ENDPOINTS = {
    "conversations.send_message": "ATTACHMENT_MAX_BYTES",
    "api.attachment_upload": "ATTACHMENT_MAX_BYTES",
    "api.conversation_image_upload": "AVATAR_MAX_BYTES",
    "settings.avatar": "AVATAR_MAX_BYTES",
    "conversations.set_picture": "AVATAR_MAX_BYTES",
    "main.create_post": "POST_IMAGE_MAX_BYTES",
    "posts.edit": "POST_IMAGE_MAX_BYTES",
    "api.post_create": "POST_IMAGE_MAX_BYTES",
    "api.post_edit": "POST_IMAGE_MAX_BYTES",
}
FORM_ROOM = 64 * 1024

# Pages with a video player (a party, a clip) may also load the YouTube IFrame API and
# play direct video links served over plain http; the rest of the policy stays.
PLAYER_PAGE_SOURCES = {
    "script-src": "'self' https://www.youtube.com https://s.ytimg.com",
    "frame-src": "https://www.youtube.com https://www.youtube-nocookie.com",
    "media-src": "'self' http: https: blob:",
}


def player_page_policy() -> str:
    directives: dict[str, str] = {}
    for directive in CONTENT_SECURITY_POLICY.split(";"):
        name, _, value = directive.strip().partition(" ")
        directives[name] = value
    directives.update(PLAYER_PAGE_SOURCES)
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


def with_player_policy(response: Response) -> Response:
    """`response`, a page with a video player, under the player pages' policy."""
    response.headers["Content-Security-Policy"] = player_page_policy()
    return response


@login_manager.user_loader
def _load_session_user(session_id: str) -> User | None:
    """Both cookies carry the same id, so a revoked sign-in fails either way."""
    return accounts.load_session_user(session_id)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        raise Unauthenticated("Sign in or send a valid bearer token.")
    if is_htmx():
        # An htmx request of a page whose sign-in ended: the whole page leaves for one that
        # says why, instead of a login page swapped into a fragment.
        response = Response("Signed out.", status=401, mimetype="text/plain")
        response.headers["HX-Redirect"] = url_for("auth.signed_out")
        return response
    flash("Please log in to see that page.", "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def bearer_token() -> str | None:
    """The raw token of an `Authorization: Bearer` header, or None if there is none."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, raw = header.partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def _resolve_bearer() -> None:
    """A request with an Authorization header is authenticated by it alone, never by cookie."""
    # Identity is decided per request, even where an app context outlives one (tests).
    g.pop("_login_user", None)
    g.pop("api_token", None)
    raw = bearer_token()
    if raw is None:
        g.auth_via = "session"
        return
    g.auth_via = "token"
    # Flask-Login reads the current user from g._login_user once it is set.
    if is_identity_only(request.endpoint):
        token = api_tokens.token_in_force(raw) if raw else None
        if token is not None:
            api_tokens.record_use(token)
        asker = TokenBearer(token.user_id) if token is not None else None
    else:
        token = api_tokens.token_record(raw) if raw else None
        asker = token.user if token is not None else None
    g.api_token = token
    g._login_user = asker if asker is not None else AnonymousUserMixin()


def _check_the_sign_in() -> None:
    """Resolve a cookie's sign-in before the view runs, so the loader's occasional
    last-seen write never commits anything of the view's."""
    if g.get("auth_via") == "session":
        current_user._get_current_object()


def _protect_cookie_requests() -> None:
    if g.get("auth_via") == "token" or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return
    csrf.protect()


def _security_headers(response: Response) -> Response:
    """Each header the view did not set itself. One pass over the response's names:
    werkzeug's `setdefault` looks a name up by raising and catching an HTTP exception,
    a tenth of the CPU of the cheapest request when done for all of them."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    for name, value in security_headers(current_app.config["SESSION_COOKIE_SECURE"]):
        if name.lower() not in present:
            headers.add(name, value)
    return response


def _body_limit() -> None:
    """Only a multipart body carries a file: JSON to the same route keeps the small limit.
    A body that says it is larger is refused here, whether or not the route reads one."""
    setting = UPLOAD_ENDPOINTS.get(request.endpoint or "")
    if setting is not None and request.mimetype == "multipart/form-data":
        request.max_content_length = current_app.config[setting] + FORM_ROOM
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the signing serializer made once for a set of
    keys rather than twice a request (opening and saving): making it was a thirtieth of
    the CPU of the cheapest request. A changed key (or its fallbacks) makes a new one."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers[keys] = serializer
        return serializer


def register_security(app: Flask) -> None:
    app.session_interface = SignedCookieSessions()
    app.before_request(_body_limit)
    app.before_request(_resolve_bearer)
    app.before_request(_protect_cookie_requests)
    app.before_request(_check_the_sign_in)
    app.after_request(_security_headers)

"""The headers every answer carries unless its view set its own: one list for Flask's
answers (blueprints/security.py) and for those made beneath it (streams/poll_gateway.py)."""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' https: blob:",
        "connect-src 'self'",
        "frame-src https://www.youtube.com https://www.youtube-nocookie.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# Only where cookies are sent over HTTPS alone (SESSION_COOKIE_SECURE).
STRICT_TRANSPORT_SECURITY = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """The security headers, with Strict-Transport-Security where cookies go over HTTPS
    alone (`secure`, the SESSION_COOKIE_SECURE setting)."""
    return (*SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY) if secure else SECURITY_HEADERS

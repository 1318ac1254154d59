"""Tandem's configuration: every environment variable is read here and nowhere else.

`load_config()` builds one flat dict for `app.config`. The environment picks the
profile (`TANDEM_ENV`: development, production or testing) and may override single
settings; `create_app(config=...)` overrides take precedence over both.
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_INSTANCE_PATH = PROJECT_ROOT / "instance"
SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)

PROFILES = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The configuration cannot produce a safe, working site."""


def _base(instance_path: Path) -> dict[str, Any]:
    return {
        "ENV_NAME": "development",
        "INSTANCE_PATH": str(instance_path),
        "HOST": "127.0.0.1",
        "PORT": 5000,
        # Where `python app.py` writes its port once it listens (with PORT=0, any free one).
        "PORT_FILE": None,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'tandem.db'}",
        "SQLITE_BUSY_TIMEOUT_MS": 5000,
        "REDIS_URL": None,
        "PASSWORD_HASH_METHOD": "scrypt",
        "UPLOAD_FOLDER": str(instance_path / "uploads"),
        "AVATAR_MAX_BYTES": 2 * 1024 * 1024,
        "POST_IMAGE_MAX_BYTES": 5 * 1024 * 1024,
        "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
        # Uploads never sent in a message are removed after this (jobs/housekeeping.py).
        "UPLOAD_ORPHAN_MAX_AGE_SECONDS": 24 * 3600.0,
        "UPLOAD_SWEEP_INTERVAL_SECONDS": 600.0,
        "DM_NOTIFY_DELAY_SECONDS": 10.0,
        "TYPING_TIMEOUT_SECONDS": 3.0,
        "PARTY_HOST_ABSENT_SECONDS": 30.0,
        "PARTY_EMPTY_GRACE_SECONDS": 300.0,
        "PARTY_SWEEP_INTERVAL_SECONDS": 10.0,
        # How often tokens past their expiry are closed (jobs/housekeeping.py).
        "TOKEN_SWEEP_INTERVAL_SECONDS": 30.0,
        # Links from accounts younger than this are refused (0 turns the hold off).
        "NEW_ACCOUNT_LINK_HOLD_SECONDS": 24 * 3600.0,
        # The longest post, in characters.
        "POST_MAX_CHARS": 5000,
        # The longest clip, in seconds.
        "CLIP_MAX_SECONDS": 300.0,
        # The longest comment on a post, in characters.
        "COMMENT_MAX_CHARS": 2000,
        # Request bodies: JSON and forms are small; uploads raise this per route later.
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
        "SESSION_COOKIE_NAME": "tandem_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_NAME": "tandem_remember",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        # Flask-WTF: CSRF is checked by our own hook so bearer-token API calls skip it.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        # Flask-Limiter; while its Redis is away, each worker counts in memory
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_KEY_PREFIX": "tandem-limits",
        "RATELIMIT_SWALLOW_ERRORS": True,
        "REGISTRATION_RATE_LIMIT": "10 per hour",
        "LOGIN_RATE_LIMIT": "30 per minute",
        "LOGIN_USERNAME_RATE_LIMIT": "10 per minute",
        "TOKEN_REVOKE_RATE_LIMIT": "60 per minute",
        "TIME_RATE_LIMIT": "120 per minute",
        # The event stream
        "PRESENCE_TTL_SECONDS": 20.0,
        "PRESENCE_LINGER_SECONDS": 5.0,
        # A page with no keyboard, pointer or visibility activity for this long sets its
        # person away (an automatic away, undone by the next activity); zero turns it off.
        "PRESENCE_IDLE_SECONDS": 300.0,
        "STREAM_RETENTION_SECONDS": 24 * 3600,
        "STREAM_RETENTION_PER_CHANNEL": 1000,
        "STREAM_PRUNE_INTERVAL_SECONDS": 300.0,
        "STREAM_BACKLOG_MAX": 10_000,
        "STREAM_CATCH_UP_MAX": 10_000,
        "STREAM_LOG_CHECK_SECONDS": 1.0,
        # How long an event waits behind a gap in the log (a transaction that took an
        # earlier id and has not committed) before the gap is read and settled.
        "STREAM_GAP_WAIT_SECONDS": 0.5,
        # On SIGTERM, how long writes in hand may take to finish before the worker stops.
        "SHUTDOWN_GRACE_SECONDS": 10.0,
        # Tests of crash safety only: the name of an event after whose commit the worker
        # kills itself before announcing anything.
        "FAULT_KILL_AFTER_COMMIT": None,
        "SSE_KEEPALIVE_SECONDS": 15.0,
        "LONGPOLL_MAX_TIMEOUT": 30,
        "SOCKET_EVENT_RATE_LIMIT": "120 per minute",
        "SOCKET_PING_RATE_LIMIT": "60 per minute",
        "ECHO_RATE_LIMIT": "30 per minute",
        "SOCIAL_WRITE_RATE_LIMIT": "60 per minute",
        "SETTINGS_WRITE_RATE_LIMIT": "30 per minute",
        "ACCOUNT_EXPORT_RATE_LIMIT": "5 per hour",
        "ACCOUNT_DELETE_RATE_LIMIT": "10 per hour",
        "AVATAR_UPLOAD_RATE_LIMIT": "10 per hour",
        "NOTIFICATION_READ_RATE_LIMIT": "120 per minute",
        "MESSAGE_RATE_LIMIT": "30 per 10 seconds",
        "CONVERSATION_WRITE_RATE_LIMIT": "30 per minute",
        "UPLOAD_RATE_LIMIT": "20 per minute",
        "TYPING_RATE_LIMIT": "60 per minute",
        "PARTY_CREATE_RATE_LIMIT": "10 per hour",
        "PARTY_JOIN_RATE_LIMIT": "30 per hour",
        "PARTY_JOIN_SOCKET_RATE_LIMIT": "60 per minute",
        "PARTY_CODE_LOOKUP_RATE_LIMIT": "30 per minute",
        "PARTY_CONTROL_RATE_LIMIT": "120 per minute",
        "PARTY_HEARTBEAT_RATE_LIMIT": "60 per minute",
        "PARTY_CHAT_RATE_LIMIT": "20 per 10 seconds",
        "PARTY_REACTION_RATE_LIMIT": "10 per 10 seconds",
        "PARTY_WRITE_RATE_LIMIT": "30 per minute",
        "REPORT_RATE_LIMIT": "20 per hour",
        "MODERATION_RATE_LIMIT": "120 per minute",
        # Playlists
        "PLAYLIST_WRITE_RATE_LIMIT": "30 per minute",
        "PLAYLIST_ITEM_RATE_LIMIT": "60 per minute",
        "POST_WRITE_RATE_LIMIT": "30 per minute",
        "POST_LIKE_RATE_LIMIT": "120 per minute",
        "CLIP_WRITE_RATE_LIMIT": "30 per minute",
        # Search
        "SEARCH_RATE_LIMIT": "60 per minute",
        # Comments on posts
        "COMMENT_WRITE_RATE_LIMIT": "30 per minute",
        "COMMENT_LIKE_RATE_LIMIT": "120 per minute",
        # Socket.IO
        "SOCKETIO_CORS_ORIGINS": [],
        "SOCKETIO_MAX_HTTP_BUFFER_SIZE": 64 * 1024,
        # Engine.IO: a ping every interval; no pong within the timeout closes the socket.
        "SOCKETIO_PING_INTERVAL_SECONDS": 25.0,
        "SOCKETIO_PING_TIMEOUT_SECONDS": 20.0,
        # permessage-deflate: fewer bytes for much more CPU and memory (docs/performance.md).
        "WEBSOCKET_COMPRESSION": False,
        # Frozen survivors all collected this often; 0: Python's own (realtime/garbage.py).
        "GC_COMPACT_INTERVAL_SECONDS": 600.0,
        # Debug only: trace allocations and dump them on SIGUSR1 (realtime/memory_probe.py).
        "MEMORY_PROBE_PATH": None,
        # Refuse a published event unlike its declaration (realtime/events.py): tests only.
        "EVENT_CONTRACT_CHECK": False,
        # Operator metrics at /metrics (realtime/metrics.py): served and recorded only with
        # a bearer token or loopback-only access switched on (both: both are required).
        "METRICS_TOKEN": None,
        "METRICS_LOOPBACK_ONLY": False,
        # Proxies in front that set X-Forwarded-For and -Proto (docs/operations.md's nginx:
        # 1); 0 believes no such header. Per-address limits and metrics read the result.
        "TRUSTED_PROXIES": 0,
        # prometheus-client's PROMETHEUS_MULTIPROC_DIR: a scrape sums the processes sharing it.
        "METRICS_MULTIPROCESS_DIR": None,
        "DEBUG": False,
        "TESTING": False,
    }


def _profile(name: str) -> dict[str, Any]:
    if name == "production":
        return {
            "ENV_NAME": "production",
            "SESSION_COOKIE_SECURE": True,
            "REMEMBER_COOKIE_SECURE": True,
            "PREFERRED_URL_SCHEME": "https",
        }
    if name == "testing":
        # A cheaper scrypt (still scrypt); no link hold, which is tested on its own.
        return {
            "ENV_NAME": "testing",
            "TESTING": True,
            "PASSWORD_HASH_METHOD": "scrypt:4096:8:1",
            "NEW_ACCOUNT_LINK_HOLD_SECONDS": 0.0,
        }
    return {"ENV_NAME": "development"}


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    """Single settings the operator may set; absent variables leave the profile's value."""
    # (variable, setting, how its text is read)
    readers: list[tuple[str, str, Callable[[str], Any]]] = [
        ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", _normalise_database_url),
        ("REDIS_URL", "REDIS_URL", str),
        ("SECRET_KEY", "SECRET_KEY", str),
        ("UPLOAD_FOLDER", "UPLOAD_FOLDER", str),
        ("HOST", "HOST", str),
        ("PORT", "PORT", _whole_of("PORT", 0, 65535)),  # 0: any free port
        ("TANDEM_PORT_FILE", "PORT_FILE", str),
        ("TANDEM_FAULT_KILL_AFTER_COMMIT", "FAULT_KILL_AFTER_COMMIT", str),
        ("TANDEM_MEMORY_PROBE", "MEMORY_PROBE_PATH", str),
        ("WEBSOCKET_COMPRESSION", "WEBSOCKET_COMPRESSION", _switch_of("WEBSOCKET_COMPRESSION")),
        ("EVENT_CONTRACT_CHECK", "EVENT_CONTRACT_CHECK", _switch_of("EVENT_CONTRACT_CHECK")),
        ("SOCKETIO_CORS_ORIGINS", "SOCKETIO_CORS_ORIGINS", _origins),
        ("METRICS_TOKEN", "METRICS_TOKEN", str),
        ("METRICS_LOOPBACK_ONLY", "METRICS_LOOPBACK_ONLY", _switch_of("METRICS_LOOPBACK_ONLY")),
        ("PROMETHEUS_MULTIPROC_DIR", "METRICS_MULTIPROCESS_DIR", str),
        ("TRUSTED_PROXIES", "TRUSTED_PROXIES", _whole_of("TRUSTED_PROXIES", 0, 5)),
    ]
    readers += [(name, name, str) for name in RATE_LIMIT_SETTINGS]
    readers += [(name, name, _seconds_of(name)) for name in SECONDS_SETTINGS]
    readers += [(name, name, _seconds_of(name, True)) for name in OPTIONAL_SECONDS_SETTINGS]
    out: dict[str, Any] = {}
    for variable, setting, read in readers:
        if env.get(variable):
            out[setting] = read(env[variable])
    return out


def _switch_of(name: str) -> Callable[[str], bool]:
    return lambda value: _switch(name, value)


def _seconds_of(name: str, allow_zero: bool = False) -> Callable[[str], float]:
    return lambda value: _seconds(name, value, allow_zero=allow_zero)


def _origins(value: str) -> list[str]:
    return [origin.strip() for origin in value.split(",") if origin.strip()]


# Every setting named "…_RATE_LIMIT" is an allowance an operator may set.
RATE_LIMIT_SETTINGS = tuple(
    name for name in _base(DEFAULT_INSTANCE_PATH) if name.endswith("_RATE_LIMIT")
)
SECONDS_SETTINGS = (
    "PRESENCE_TTL_SECONDS",
    "PRESENCE_LINGER_SECONDS",
    "SSE_KEEPALIVE_SECONDS",
    "STREAM_RETENTION_SECONDS",
    "STREAM_PRUNE_INTERVAL_SECONDS",
    "STREAM_LOG_CHECK_SECONDS",
    "STREAM_GAP_WAIT_SECONDS",
    "SHUTDOWN_GRACE_SECONDS",
    "SOCKETIO_PING_INTERVAL_SECONDS",
    "SOCKETIO_PING_TIMEOUT_SECONDS",
    "DM_NOTIFY_DELAY_SECONDS",
    "PARTY_HOST_ABSENT_SECONDS",
    "PARTY_EMPTY_GRACE_SECONDS",
    "PARTY_SWEEP_INTERVAL_SECONDS",
    "UPLOAD_ORPHAN_MAX_AGE_SECONDS",
    "UPLOAD_SWEEP_INTERVAL_SECONDS",
    "TOKEN_SWEEP_INTERVAL_SECONDS",
    "CLIP_MAX_SECONDS",
)

# Zero turns these off.
OPTIONAL_SECONDS_SETTINGS = (
    "NEW_ACCOUNT_LINK_HOLD_SECONDS",
    "GC_COMPACT_INTERVAL_SECONDS",
    "PRESENCE_IDLE_SECONDS",
)


def _seconds(name: str, value: str, allow_zero: bool = False) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise ConfigError(f"{name} must be positive, got {value!r}")
    return seconds


def _switch(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off (1/0, true/false, yes/no), got {value!r}")


def _normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(url: str) -> dict[str, Any]:
    """A database server's connections can drop (a restart, a failover), so each is pinged
    as it leaves the pool. A SQLite file's cannot: there a ping would only cost a statement
    at every checkout."""
    return {} if url.startswith("sqlite") else {"pool_pre_ping": True}


def _whole_of(name: str, low: int, high: int) -> Callable[[str], int]:
    def read(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {value!r}") from None
        if not low <= number <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, got {number}")
        return number

    return read


def metrics_enabled(settings: Mapping[str, Any]) -> bool:
    """/metrics is served (and metrics recorded) once an operator said who may read it."""
    return bool(settings.get("METRICS_TOKEN")) or bool(settings.get("METRICS_LOOPBACK_ONLY"))


def instance_secret_key(instance_path: Path) -> str:
    """Read the development secret key from the instance folder, creating it once."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / SECRET_KEY_FILE
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def load_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Build the settings for one application instance.

    Order of precedence: `overrides`, then environment variables, then the profile,
    then the base defaults.
    """
    env = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    name = overrides.get("ENV_NAME") or env.get("TANDEM_ENV") or "development"
    if name not in PROFILES:
        raise ConfigError(f"TANDEM_ENV must be one of {', '.join(PROFILES)}, got {name!r}")
    instance_path = Path(
        overrides.get("INSTANCE_PATH") or env.get("TANDEM_INSTANCE_PATH") or DEFAULT_INSTANCE_PATH
    )
    settings = _base(instance_path)
    settings.update(_profile(name))
    settings.update(_from_environment(env))
    settings.update(overrides)

    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(settings["SQLALCHEMY_DATABASE_URI"])
    if settings.get("REDIS_URL") and "RATELIMIT_STORAGE_URI" not in overrides:
        settings["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"]
    if not settings.get("SECRET_KEY"):
        if name == "production":
            raise ConfigError(
                "SECRET_KEY is not set. A production Tandem refuses to start without it: "
                'set SECRET_KEY to a long random value (python -c "import secrets; '
                'print(secrets.token_hex(32))").'
            )
        settings["SECRET_KEY"] = instance_secret_key(instance_path)
    if settings.get("METRICS_TOKEN") is not None and len(settings["METRICS_TOKEN"]) < 16:
        raise ConfigError("METRICS_TOKEN must be at least 16 characters long.")
    if name == "production" and settings.get("DEBUG"):
        raise ConfigError("DEBUG must be off in production.")
    return settings


# Query parameters that carry a secret in the URLs Tandem is given (redis-py reads
# `?password=` as the password, libpq `?password=` too).
SECRET_QUERY_PARAMETERS = frozenset({"password", "passwd", "pwd"})


def redacted_url(url: str | None) -> str | None:
    """A connection URL safe to log: the password replaced by ***, wherever it is given
    (in the user-info part or as a query parameter)."""
    if not url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    user = ""
    if "@" in rest:
        # The last @ ends the user info, since a password may hold @, / or ? itself.
        credentials, rest = rest.rsplit("@", 1)
        user = f"{credentials.split(':', 1)[0]}:***@" if ":" in credentials else credentials + "@"
    location, mark, query = rest.partition("?")
    if query:
        query = "&".join(_redacted_parameter(part) for part in query.split("&"))
    return f"{scheme}://{user}{location}{mark}{query}"


def _redacted_parameter(part: str) -> str:
    name, equals, _value = part.partition("=")
    if equals and unquote(name).strip().lower() in SECRET_QUERY_PARAMETERS:
        return f"{name}=***"
    return part

"""Settings in one typed place: defaults, then the environment, then the test mapping."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the checkout: templates, static, translations
ENVIRONMENTS = ("development", "testing", "production")
DEFAULT_SECRET = "dev-not-secret"  # noqa: S105 - the value refused outside development


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the app refuses to start."""


# Settings read from the environment as they are (README "Settings" says what each means).
PASSED_THROUGH = (
    "CREDIT_SUBJECT_KEY",
    "CREDIT_CHECKPOINT_INTERVAL",
    "CREDIT_API_READ_LIMIT",
    "CREDIT_API_WRITE_LIMIT",
    "XUNHUAN_SMS_SENDER",
    "REGISTER_RATE_LIMIT",
    "LISTING_RATE_LIMIT",
    "UPLOAD_RATE_LIMIT",
)


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    data_dir: Path = Path("instance")
    secret_key: str = DEFAULT_SECRET
    database_url: str = ""
    login_rate_limit: str = "10 per minute"
    ratelimit_storage_uri: str = "xunhuan+database://"  # market.ratelimit: shared by workers
    # Set when a TLS-terminating proxy in front sets X-Forwarded-Proto (and -For): how many.
    trusted_proxies: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        """Read XUNHUAN_ENV, XUNHUAN_DATA_DIR, SECRET_KEY, DATABASE_URL and friends."""
        environ = os.environ if environ is None else environ
        env = environ.get("XUNHUAN_ENV", "development")
        if env not in ENVIRONMENTS:
            raise ConfigError(f"XUNHUAN_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
        data_dir = Path(environ.get("XUNHUAN_DATA_DIR", "instance")).absolute()
        return cls(
            env=env,
            data_dir=data_dir,
            secret_key=environ.get("SECRET_KEY", ""),
            database_url=environ.get("DATABASE_URL", ""),
            login_rate_limit=environ.get("XUNHUAN_LOGIN_RATE_LIMIT", cls.login_rate_limit),
            ratelimit_storage_uri=environ.get("RATELIMIT_STORAGE_URI", cls.ratelimit_storage_uri),
            trusted_proxies=_count(environ.get("XUNHUAN_TRUSTED_PROXIES", "0")),
            extra={name: environ[name] for name in PASSED_THROUGH if environ.get(name)},
        )


MIN_SECRET_LENGTH = 32  # characters; token_hex(16) is the shortest random key that passes
_KNOWN_WEAK = {DEFAULT_SECRET, "secret", "changeme", "change-me", "dev", "development", "testing"}


def weak_secret(key: str) -> bool:
    """True for a missing, short, known or single-character-repeated key: signing session
    cookies and one-time codes with one of these lets anyone forge them."""
    return (
        len(key) < MIN_SECRET_LENGTH
        or key.lower() in _KNOWN_WEAK
        or len(set(key)) < 8  # "aaaa…", "abababab…"
    )


def resolve_secret_key(settings: Settings) -> str:
    """Return the secret key, refusing a missing or default one in production.

    In development a random key is kept in the data dir, so sessions survive a restart
    and no key ever sits in the repository.
    """
    key = settings.secret_key
    if settings.env == "production":
        if weak_secret(key):
            raise ConfigError(
                f"SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} characters"
                " in production (python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return key
    if key and key != DEFAULT_SECRET:
        return key
    if settings.env == "testing":
        return key or DEFAULT_SECRET
    key_file = settings.data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def _count(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) > 5:
        raise ConfigError(f"XUNHUAN_TRUSTED_PROXIES must be a number from 0 to 5, not {value!r}")
    return int(value)


def flask_config(settings: Settings) -> dict[str, Any]:
    """Translate settings into the Flask config mapping."""
    production = settings.env == "production"
    database_url = settings.database_url or f"sqlite:///{settings.data_dir / 'xunhuan.db'}"
    return {
        "XUNHUAN_ENV": settings.env,
        "TESTING": settings.env == "testing",
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": resolve_secret_key(settings),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,
        "MAX_CONTENT_LENGTH": 100 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session does
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LOGIN_RATE_LIMIT": settings.login_rate_limit,
        "RATELIMIT_STORAGE_URI": settings.ratelimit_storage_uri,
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRUSTED_PROXIES": settings.trusted_proxies,
        **settings.extra,
    }

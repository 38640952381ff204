"""The app factory: the settings, every area's setup and blueprint, and the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.cli import FlaskGroup
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from market import db, error_handlers, i18n, ratelimit, security, templating
from market.accounts import sms, web_sessions
from market.accounts.views import bp as accounts_bp
from market.admin.views import bp as admin_bp
from market.books import listing as book_corners
from market.books.views import bp as books_bp
from market.certificates import participant as certificates
from market.certificates.views import bp as certificates_bp
from market.cli import register_commands
from market.config import ROOT, Settings, flask_config
from market.consignment import participant as consignment
from market.consignment.views import bp as consignment_bp
from market.credit import participant as credit
from market.credit import services
from market.credit.regulator_views import bp as regulator_bp
from market.credit.views import bp as credit_bp
from market.db import add_after_commit
from market.extensions import csrf, login_manager
from market.fleamarkets.views import bp as fleamarkets_bp
from market.images.store import FilesystemImageStore
from market.images.views import bp as images_bp
from market.listings import participants
from market.listings.views import bp as listings_bp
from market.main.views import bp as main_bp
from market.mydata.views import bp as mydata_bp
from market.notifications.views import bp as notifications_bp
from market.org_pages.views import bp as orgs_bp
from market.platforms.api import bp as platform_api_bp
from market.search.index import SearchIndex
from market.search.indexing import IndexListings
from market.search.views import bp as search_bp
from market.trades import participant as trades
from market.trades.views import bp as trades_bp


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `test_config`."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    environ_settings = Settings.from_environment()
    if test_config is not None:
        environ_settings = Settings(
            env="testing",
            data_dir=Path(test_config.get("DATA_DIR", environ_settings.data_dir)),
            secret_key=test_config.get("SECRET_KEY", "testing-secret"),
            database_url=test_config.get("DATABASE_URL", ""),
        )
    app.config.update(flask_config(environ_settings))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    if test_config is not None:
        app.config.update(test_config)
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:

    db.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    ratelimit.init_app(app, db.get_engine(app))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    i18n.init_app(app)
    security.init_app(app)
    error_handlers.init_app(app)
    templating.init_app(app)
    app.extensions.setdefault(
        "xunhuan.images", FilesystemImageStore(Path(app.config["DATA_DIR"]) / "images")
    )
    _init_search(app)
    _init_credit(app)
    _init_listing_participants(app)

    login_manager.login_message = _l("请先登录。")

    web_sessions.init_app(app, login_manager)
    sms.init_app(app)


def _init_search(app: Flask) -> None:
    """The whoosh index in the data dir, kept in step with listings after each commit."""

    index = app.extensions.setdefault(
        "xunhuan.search", SearchIndex(Path(app.config["DATA_DIR"]) / "search")
    )
    add_after_commit(app, IndexListings(index))


def _init_listing_participants(app: Flask) -> None:
    """The areas that take part in a listing's life register their hooks, in this order."""

    participants.init_app(app)
    for area in (certificates, trades, consignment, book_corners, credit):
        area.init_app(app)


def _init_credit(app: Flask) -> None:
    """Deliver outbox events to the credit ledger after each commit that wrote one, and sign
    a checkpoint of the ledger head when the last one is older than CREDIT_CHECKPOINT_INTERVAL."""

    key = services.key_from_config(app.config)
    key_path = services.checkpoint_key_path(app.config)
    interval = services.checkpoint_interval(app.config)

    def scheduled_checkpoint(session: Any) -> None:
        services.checkpoint_if_due(session=session, key_path=key_path, interval=interval)

    add_after_commit(app, services.DeliverOutbox(key, scheduled_checkpoint))


def _register_blueprints(app: Flask) -> None:

    class BoundedInt(IntegerConverter):
        """Ids fit the databases' 32-bit integer columns; larger ones are simply not found."""

        def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedInt

    for bp in (
        main_bp,
        accounts_bp,
        mydata_bp,
        admin_bp,
        images_bp,
        listings_bp,
        trades_bp,
        search_bp,
        certificates_bp,
        consignment_bp,
        credit_bp,
        regulator_bp,
        orgs_bp,
        fleamarkets_bp,
        notifications_bp,
        books_bp,
        platform_api_bp,
    ):
        app.register_blueprint(bp)
    register_commands(app)


def main() -> None:
    """Entry point of the `xunhuan` console script."""
    FlaskGroup(create_app=create_app, help="Xunhuan (循环) marketplace commands.")()

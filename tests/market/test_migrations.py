from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from market.db import make_engine
from market.migrate import downgrade, upgrade
from market.models import metadata
from tests.support.pg import PostgresCluster
from tests.support.requirements import need


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    cluster: PostgresCluster | None = request.getfixturevalue("pg_cluster")
    need(cluster is not None, "PostgreSQL server", "apt-get install postgresql")
    assert cluster is not None
    url = cluster.create_database("migrations_empty")
    yield url
    cluster.drop_database("migrations_empty")


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), metadata))
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_models_schema_and_go_back(empty_database: str) -> None:
    upgrade(empty_database)
    assert _tables(empty_database) == set(metadata.tables)
    assert _diff(empty_database) == []
    downgrade(empty_database, "base")
    assert _tables(empty_database) == set()
    upgrade(empty_database)
    assert _tables(empty_database) == set(metadata.tables)

"""Two workers sharing a database and a real redis-server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.support.cluster import FAST_PRESENCE


@pytest.fixture(params=["sqlite", "postgresql"])
def cluster(request, server_factory, redis_server):
    database_url = None
    if request.param == "postgresql":
        database_url = request.getfixturevalue("postgres").create_database()
    return [
        server_factory(database_url=database_url, redis_url=redis_server.url, **FAST_PRESENCE)
        for _ in range(2)
    ]

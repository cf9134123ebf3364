"""Every store test runs against each backend: a DuckDB file, and a database of its own in a
throwaway PostgreSQL cluster (tests/pg.py) started once for the whole run and stopped at its end.

Test modules make their `store` (or `where`) fixture with `new_history`, parametrised over
BACKENDS; `sql` reads a store's own tables, whichever database holds them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pg
import psycopg
import pytest

from recruit_dash.history import duckdb_store, postgres_store
from recruit_dash.history.store import Store, is_url

BACKENDS = ("duckdb", "postgresql")
_RUNNING: list[pg.Cluster] = []  # the run's cluster, once started


def cluster(request: pytest.FixtureRequest) -> pg.Cluster:
    """Return the run's PostgreSQL cluster, started on first use and stopped when the run ends.
    Without PostgreSQL's programs a test that needs them is skipped here, and fails in CI."""
    if not _RUNNING:
        programs = pg.binaries()
        if programs is None:
            if os.environ.get("CI") == "true":
                pytest.fail(pg.INSTALL, pytrace=False)
            pytest.skip(pg.INSTALL)
        _RUNNING.append(pg.Cluster(programs))
        request.config.add_cleanup(_RUNNING[0].close)
    return _RUNNING[0]


@contextlib.contextmanager
def new_history(backend: str, folder: Path, request: pytest.FixtureRequest
                ) -> Iterator[Path | str]:
    """Yield where a new, empty history of a backend goes (a file in `folder`, or a new
    database's URL), and let go of it afterwards."""
    if backend == "duckdb":
        path = folder / "history.duckdb"
        try:
            yield path
        finally:
            duckdb_store.release(path)
        return
    server = cluster(request)
    url = server.database()
    try:
        yield url
    finally:
        postgres_store.release(url)
        server.drop(url)


def let_go(where: Path | str) -> None:
    """Close this process's hold on a history, as before another process opens it."""
    if is_url(where):
        postgres_store.release(str(where))
    else:
        duckdb_store.release(where)


def sql(store: Store, query: str, params: tuple | list = ()) -> list[tuple]:
    """Return the rows of a query on a store's own database (`?` marks each parameter)."""
    if is_url(store.path):
        with psycopg.connect(str(store.path), autocommit=True) as connection:
            return [tuple(row) for row in
                    connection.execute(query.replace("?", "%s"), list(params)).fetchall()]
    return store._cursor().execute(query, list(params)).fetchall()


def run_sql(where: Path | str, statements: list[str]) -> None:
    """Run statements on a history's database straight, not through a store (to make one as an
    older or a newer app would)."""
    if is_url(where):
        with psycopg.connect(str(where), autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)
        return
    connection = duckdb.connect(str(where))
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()

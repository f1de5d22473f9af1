"""Publishing the marts for BI readers: a DuckDB file older DuckDBs open, Parquet, atomic replacement.

The first tests publish a small hand-made warehouse (fast); the last ones check the publication the
Dagster build of the mini fixture wrote beside its warehouse, against the export files.
"""

from __future__ import annotations

import csv
import json
import struct
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import publisher
from dagster_project.publish.publisher import PublishError, TableDoc, publish_marts
from tests.conftest import MINI_EXPORTS

# DuckDB 1.2 reads database files whose header carries storage version number 64 or 65; a file
# written with DuckDB 2.0's default storage carries a newer number.
READABLE_BY_DUCKDB_1_2 = {64, 65}


def make_warehouse(path: Path, marts: dict[str, str]) -> Path:
    """A warehouse file with the given ``marts.<name> as <select>`` tables and a non-mart table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema staging")
        con.execute("create table staging.not_published as select 1 as x")
        for name, select in marts.items():
            con.execute(f"create table marts.{name} as {select}")
    return path


SMALL_MARTS = {
    "mart_money": (
        "select range as id, cast(range * 1.25 as decimal(38, 6)) as amount, "
        "cast(date '2024-01-01' + to_months(range::int) as date) as month, "
        "timestamp '2024-01-01 10:00:00' + to_days(range::int) as happened_at, "
        "['a', 'b'] as tags, range % 2 = 0 as is_even, 'Ä 한국 ไทย' as name "
        "from range(25)"
    ),
    "dim_things": "select 'thing-' || range as thing_id from range(7)",
}


def header_version_number(path: Path) -> int:
    """The storage version number in a DuckDB file's main header (8-byte checksum, "DUCK", uint64)."""
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK", f"{path} is not a DuckDB file"
    return struct.unpack("<Q", header[12:20])[0]


def rows_of(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "warehouse" / "journey.duckdb", SMALL_MARTS)


def test_publication_copies_every_mart_into_a_v1_2_storage_file(small_warehouse: Path, tmp_path: Path):
    target = tmp_path / "published"
    publication = publish_marts(small_warehouse, target)

    assert publication.duckdb_path == target / "marts.duckdb"
    assert publication.marts == ["dim_things", "mart_money"]
    assert publication.row_counts == {"dim_things": 7, "mart_money": 25}
    assert header_version_number(publication.duckdb_path) in READABLE_BY_DUCKDB_1_2
    assert header_version_number(small_warehouse) not in READABLE_BY_DUCKDB_1_2  # the check can fail

    with duckdb.connect() as con:
        con.execute(f"attach '{small_warehouse}' as warehouse (read_only)")
        con.execute(f"attach '{publication.duckdb_path}' as published (read_only)")
        tags = dict(con.execute("select database_name, tags from duckdb_databases()").fetchall())
        assert tags["published"]["storage_version"].startswith("v1.2.0")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'published' order by all"
        ).fetchall()
        assert tables == [("main", "dim_things"), ("main", "mart_money"), ("meta", "publication")]
        for mart in SMALL_MARTS:
            assert rows_of(con, f"select * from published.main.{mart}") == rows_of(
                con, f"select * from warehouse.marts.{mart}"
            )
            types = "select column_name, column_type from (describe {})"
            published_types = con.execute(types.format(f"published.main.{mart}")).fetchall()
            warehouse_types = con.execute(types.format(f"warehouse.marts.{mart}")).fetchall()
            # money is published rounded to the reporting currency's minor unit (USD: 2 decimals)
            expected = [(name, kind.replace("DECIMAL(38,6)", "DECIMAL(38,2)")) for name, kind in warehouse_types]
            assert published_types == expected
        money = con.execute("select amount, month, tags, name from published.main.mart_money where id = 3")
        assert money.fetchall() == [(Decimal("3.75"), date(2024, 4, 1), ["a", "b"], "Ä 한국 ไทย")]
        ledger = con.execute(
            "select publication_id, mart, row_count from published.meta.publication order by mart"
        ).fetchall()
        assert ledger == [
            (publication.publication_id, "dim_things", 7),
            (publication.publication_id, "mart_money", 25),
        ]


def test_a_reader_opening_the_file_names_marts_with_or_without_marts_prefix(small_warehouse: Path, tmp_path: Path):
    publication = publish_marts(small_warehouse, tmp_path / "published")
    with duckdb.connect(str(publication.duckdb_path), read_only=True) as con:
        assert con.execute("select count(*) from mart_money").fetchall() == [(25,)]
        assert con.execute("select count(*) from marts.mart_money").fetchall() == [(25,)]
        assert con.execute("select count(*) from marts.main.dim_things").fetchall() == [(7,)]


def test_parquet_files_match_the_marts_and_carry_the_publication_id(small_warehouse: Path, tmp_path: Path):
    publication = publish_marts(small_warehouse, tmp_path / "published")
    parquet = publication.parquet_dir
    assert sorted(path.name for path in parquet.iterdir()) == [
        "_publication.json",
        "dim_things.parquet",
        "mart_money.parquet",
    ]
    manifest = json.loads((parquet / "_publication.json").read_text())
    assert manifest["publication_id"] == publication.publication_id
    assert manifest["marts"] == {
        "dim_things": {"file": "dim_things.parquet", "rows": 7},
        "mart_money": {"file": "mart_money.parquet", "rows": 25},
    }
    with duckdb.connect() as con:
        con.execute(f"attach '{small_warehouse}' as warehouse (read_only)")
        for mart in SMALL_MARTS:
            path = parquet / f"{mart}.parquet"
            assert rows_of(con, f"select * from read_parquet('{path}')") == rows_of(
                con, f"select * from warehouse.marts.{mart}"
            )
            metadata = con.execute(f"select decode(key), decode(value) from parquet_kv_metadata('{path}')").fetchall()
            assert ("publication_id", publication.publication_id) in metadata


def test_table_and_column_descriptions_become_comments(small_warehouse: Path, tmp_path: Path):
    docs = {"dim_things": TableDoc("Things, one row each.", {"thing_id": "The thing's id."})}
    publication = publish_marts(small_warehouse, tmp_path / "published", docs=docs)
    with duckdb.connect(str(publication.duckdb_path), read_only=True) as con:
        assert con.execute("select comment from duckdb_tables() where table_name = 'dim_things'").fetchall() == [
            ("Things, one row each.",)
        ]
        assert con.execute(
            "select comment from duckdb_columns() where table_name = 'dim_things' and column_name = 'thing_id'"
        ).fetchall() == [("The thing's id.",)]


def test_republishing_follows_the_marts_that_exist_now(small_warehouse: Path, tmp_path: Path):
    target = tmp_path / "published"
    first = publish_marts(small_warehouse, target)
    with duckdb.connect(str(small_warehouse)) as con:
        con.execute("drop table marts.dim_things")
        con.execute("create table marts.mart_new as select 42 as answer")
    second = publish_marts(small_warehouse, target)

    assert second.publication_id != first.publication_id
    assert second.marts == ["mart_money", "mart_new"]
    assert sorted(path.name for path in (target / "parquet").glob("*.parquet")) == [
        "mart_money.parquet",
        "mart_new.parquet",
    ]
    with duckdb.connect(str(second.duckdb_path), read_only=True) as con:
        assert con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' order by 1"
        ).fetchall() == [("mart_money",), ("mart_new",)]
    assert not list(target.rglob("*.tmp")), "temporary files left behind"


def test_a_failed_publication_leaves_the_previous_one_untouched(
    small_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    target = tmp_path / "published"
    publish_marts(small_warehouse, target)
    before = snapshot(target)

    def broken_parquet(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(publisher, "_stage_parquet", broken_parquet)
    with pytest.raises(OSError, match="disk full"):
        publish_marts(small_warehouse, target)
    assert snapshot(target) == before
    assert not list(target.rglob("*.tmp")), "temporary files left behind"


def test_nothing_to_publish_is_an_error_that_says_so(tmp_path: Path):
    empty = make_warehouse(tmp_path / "journey.duckdb", {})
    with pytest.raises(PublishError, match="no table in schema 'marts'"):
        publish_marts(empty, tmp_path / "published")
    with pytest.raises(PublishError, match="does not exist"):
        publish_marts(tmp_path / "missing.duckdb", tmp_path / "published")
    assert not (tmp_path / "published" / "marts.duckdb").exists()


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``folder``: inode, modification time and content."""
    return {
        str(path.relative_to(folder)): (path.stat().st_ino, path.stat().st_mtime_ns, path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# --- the publication a Dagster build writes --------------------------------------------------


def read_csv_column(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def test_the_build_publishes_every_mart_beside_the_warehouse(mini_warehouse: Path):
    published = mini_warehouse.parent / "marts.duckdb"
    assert published.is_file(), "the build did not publish the marts"
    assert header_version_number(published) in READABLE_BY_DUCKDB_1_2
    with duckdb.connect() as con:
        con.execute(f"attach '{mini_warehouse}' as warehouse (read_only)")
        con.execute(f"attach '{published}' as published (read_only)")
        warehouse_marts = con.execute(
            "select table_name from duckdb_tables() where database_name = 'warehouse' "
            "and schema_name = 'marts' order by 1"
        ).fetchall()
        published_marts = con.execute(
            "select table_name from duckdb_tables() where database_name = 'published' "
            "and schema_name = 'main' order by 1"
        ).fetchall()
        assert published_marts == warehouse_marts
        assert {"dim_accounts", "fct_mrr_account_month", "mart_mrr_monthly"} <= {name for (name,) in published_marts}
        for (mart,) in published_marts:
            counts = con.execute(
                f"select (select count(*) from warehouse.marts.{mart}), (select count(*) from published.main.{mart})"
            ).fetchall()[0]
            assert counts[0] == counts[1], mart
            assert (mini_warehouse.parent / "parquet" / f"{mart}.parquet").is_file(), mart
        # every CRM company of the export files is an account in the published mart
        crm_ids = set(read_csv_column(next((MINI_EXPORTS / "crm").glob("*companies*.csv")), "Record ID"))
        published_ids = {row[0] for row in con.execute("select account_id from published.main.dim_accounts").fetchall()}
        assert crm_ids and crm_ids <= published_ids
        # every column of every published mart carries its dbt description
        undocumented = con.execute(
            "select table_name || '.' || column_name from duckdb_columns() "
            "where database_name = 'published' and schema_name = 'main' and coalesce(comment, '') = ''"
        ).fetchall()
        assert undocumented == []


def test_published_at_is_recent_and_consistent(mini_warehouse: Path):
    published = mini_warehouse.parent / "marts.duckdb"
    manifest = json.loads((mini_warehouse.parent / "parquet" / "_publication.json").read_text())
    with duckdb.connect(str(published), read_only=True) as con:
        ids = con.execute("select distinct publication_id, published_at from meta.publication").fetchall()
    assert len(ids) == 1
    assert ids[0][0] == manifest["publication_id"]
    assert isinstance(ids[0][1], datetime)

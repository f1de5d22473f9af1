"""What a publication changes on the way out: e-mail addresses become a pseudonymous key, money is
rounded to the reporting currency's minor unit, and files are owner-only unless configured.

All on a small hand-made warehouse (fast); the Dagster build's own publication is checked in
tests/test_publish.py.
"""

from __future__ import annotations

import hashlib
import hmac
import stat
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish.publisher import (
    PSEUDONYM_KEY_FILE,
    PublishError,
    PublishPolicy,
    access_modes,
    currency_minor_digits,
    policy_from_environment,
    protect_warehouse,
    pseudonym,
    publish_marts,
)
from tests.test_publish import make_warehouse

NPS_AND_MONEY = {
    "fct_nps_responses": (
        "select * from (values ('r1', 'alice@acme.com', ' Alice@Acme.com '), ('r2', 'bob@beta.io', 'bob@beta.io'), "
        "('r3', null, null)) as responses(response_id, respondent, email)"
    ),
    "mart_mrr_monthly": (
        "select date '2025-03-01' as month, cast(458812.456002 as decimal(38, 6)) as ending_mrr, "
        "cast(-0.005 as decimal(38, 6)) as churned_mrr, cast(1.5 as double) as arpa_raw, "
        "cast(155.16666666 as double) as arpa, cast(0.123456 as double) as logo_churn_rate, 7 as customers"
    ),
}
KEY = bytes.fromhex("11" * 32)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "warehouse" / "journey.duckdb", NPS_AND_MONEY)


def published(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=str(path) != ":memory:") as con:
        return con.execute(sql).fetchall()


def test_emails_are_published_as_a_keyed_pseudonym_by_default(warehouse: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("JOURNEY_PUBLISH_EMAILS", raising=False)
    publication = publish_marts(warehouse, tmp_path / "published")

    key_file = warehouse.parent / PSEUDONYM_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = bytes.fromhex(key_file.read_text().strip())
    alice = hmac.new(key, b"alice@acme.com", hashlib.sha256).hexdigest()[:32]
    bob = hmac.new(key, b"bob@beta.io", hashlib.sha256).hexdigest()[:32]
    rows = published(publication.duckdb_path, "select response_id, respondent, email from fct_nps_responses order by 1")
    # the same person has one key whatever the case or spaces of the address; NULL stays NULL
    assert rows == [("r1", alice, alice), ("r2", bob, bob), ("r3", None, None)]
    parquet = publication.parquet_dir / "fct_nps_responses.parquet"
    assert published(":memory:", f"select respondent, email from read_parquet('{parquet}') order by response_id") == [
        (alice, alice),
        (bob, bob),
        (None, None),
    ]
    for path in [publication.folder / "marts.duckdb", parquet]:
        assert b"alice@acme" not in path.read_bytes(), f"{path} still holds an address"
    comment = published(
        publication.duckdb_path,
        "select comment from duckdb_columns() where table_name = 'fct_nps_responses' and column_name = 'email'",
    )
    assert "pseudonymous key" in comment[0][0]

    # the key is kept: the next publication gives the same person the same key
    again = publish_marts(warehouse, tmp_path / "published")
    assert published(again.duckdb_path, "select respondent from fct_nps_responses where response_id = 'r1'") == [
        (alice,)
    ]


def test_raw_emails_only_when_configured(warehouse: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("JOURNEY_PUBLISH_EMAILS", "raw")
    publication = publish_marts(warehouse, tmp_path / "published")
    assert published(publication.duckdb_path, "select respondent, email from fct_nps_responses order by 1") == [
        ("alice@acme.com", " Alice@Acme.com "),
        ("bob@beta.io", "bob@beta.io"),
        (None, None),
    ]
    assert not (warehouse.parent / PSEUDONYM_KEY_FILE).exists(), "no key is needed for raw addresses"
    for path in [publication.folder / "marts.duckdb", publication.parquet_dir / "fct_nps_responses.parquet"]:
        assert b"alice@acme" in path.read_bytes()  # the byte check of the default test can fail
    monkeypatch.setenv("JOURNEY_PUBLISH_EMAILS", "hashed")
    with pytest.raises(PublishError, match="JOURNEY_PUBLISH_EMAILS='hashed'"):
        publish_marts(warehouse, tmp_path / "published")


def test_pseudonym_is_hmac_sha256_of_the_normalised_address():
    assert pseudonym(KEY, " Alice@ACME.com") == pseudonym(KEY, "alice@acme.com")
    assert pseudonym(KEY, "alice@acme.com") == hmac.new(KEY, b"alice@acme.com", hashlib.sha256).hexdigest()[:32]
    assert pseudonym(KEY, "alice@acme.com") != pseudonym(bytes(32), "alice@acme.com")


def test_money_is_rounded_to_the_reporting_currency_minor_unit(warehouse: Path, tmp_path: Path):
    publication = publish_marts(warehouse, tmp_path / "published")
    row = published(
        publication.duckdb_path,
        "select ending_mrr, churned_mrr, arpa, arpa_raw, logo_churn_rate, customers from mart_mrr_monthly",
    )
    assert row == [(Decimal("458812.46"), Decimal("-0.01"), 155.17, 1.5, 0.123456, 7)]
    types = dict(published(publication.duckdb_path, "select column_name, column_type from (describe mart_mrr_monthly)"))
    assert types["ending_mrr"] == "DECIMAL(38,2)"
    parquet = publication.parquet_dir / "mart_mrr_monthly.parquet"
    assert published(":memory:", f"select ending_mrr from read_parquet('{parquet}')") == [(Decimal("458812.46"),)]
    # inside the warehouse the full precision stays
    assert published(warehouse, "select ending_mrr from marts.mart_mrr_monthly") == [(Decimal("458812.456002"),)]


def test_a_zero_decimal_reporting_currency_rounds_to_whole_units(warehouse: Path, tmp_path: Path):
    policy = PublishPolicy(raw_emails=True, money_digits=0)
    publication = publish_marts(warehouse, tmp_path / "published", policy=policy)
    assert published(publication.duckdb_path, "select ending_mrr, arpa from mart_mrr_monthly") == [
        (Decimal("458812"), 155.0)
    ]


def test_the_reporting_currency_minor_unit_comes_from_the_dbt_var_and_seed(tmp_path: Path):
    assert currency_minor_digits() == ("usd", 2)
    project = tmp_path / "dbt_project.yml"
    seed = tmp_path / "currencies.csv"
    seed.write_text("currency,minor_unit_digits\nusd,2\njpy,0\n")
    project.write_text("name: x\nvars:\n  reporting_currency: JPY\n")
    assert currency_minor_digits(project, seed) == ("jpy", 0)
    project.write_text("name: x\nvars:\n  reporting_currency: xts\n")
    with pytest.raises(PublishError, match=r"reporting_currency 'xts'.*currencies\.csv"):
        currency_minor_digits(project, seed)


def modes(folder: Path) -> set[int]:
    return {stat.S_IMODE(path.stat().st_mode) for path in [folder, *folder.rglob("*")] if not path.is_symlink()}


def test_publications_are_owner_only_by_default(warehouse: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("JOURNEY_FILE_ACCESS", raising=False)
    warehouse.chmod(0o644)
    target = tmp_path / "published"
    publication = publish_marts(warehouse, target)
    folder_modes = {stat.S_IMODE(path.stat().st_mode) for path in publication.folder.rglob("*") if path.is_dir()}
    file_modes = {stat.S_IMODE(path.stat().st_mode) for path in publication.folder.rglob("*") if path.is_file()}
    assert folder_modes == {0o700} and file_modes == {0o600}
    assert stat.S_IMODE((target / "publications").stat().st_mode) == 0o700
    protect_warehouse(warehouse, policy_from_environment(warehouse))
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600


def test_group_access_when_configured(warehouse: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("JOURNEY_FILE_ACCESS", "group")
    publication = publish_marts(warehouse, tmp_path / "published")
    assert modes(publication.folder) == {0o750, 0o640}
    assert access_modes("world") == (0o644, 0o755)
    with pytest.raises(PublishError, match="JOURNEY_FILE_ACCESS='everyone'"):
        access_modes("everyone")

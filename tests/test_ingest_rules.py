"""The ingest loader's guarantees, one by one, on small files written by each test.

Idempotency, a rejected file leaving the previous good data in place, a changed file replacing its
rows, row numbers that survive unparseable rows, the row-level rules (record id, future times, NPS
scores) and the encoding check. Every expected value is worked out from the file the test writes.
"""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.catalog import RawTable, scan_exports, table
from dagster_project.ingest.loader import (
    FileRejected,
    Loader,
    check_encoding,
    discover,
    ensure_tables,
    load_exports,
    parse_timestamp_sql,
    timestamp_parser_source,
)
from dagster_project.settings import DBT_PROJECT_DIR

COMPANIES_HEADER = '"Record ID","Company name","Create Date"\n'


def _write(path: Path, text: str | bytes, modified: datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    if modified is not None:
        stamp = modified.replace(tzinfo=UTC).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def _load_all(con: duckdb.DuckDBPyConnection, exports: Path) -> dict[str, list]:
    loader = Loader(con, exports)
    return {name: loader.load_table(table(name), files).files for name, files in discover(exports).items() if files}


def _scalar(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()[0][0]


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_loading_the_same_exports_twice_changes_nothing(con, tmp_path):
    exports = tmp_path / "exports"
    _write(
        exports / "crm/hubspot_companies.csv",
        COMPANIES_HEADER + '"1","Acme","2024-01-01 10:00"\n"1","Acme","2024-01-01 10:00"\n',
    )
    _write(exports / "billing/stripe_customers.jsonl", '{"id": "cus_1"}\n{"id": "cus_2"}\nnot json\n')
    first = _load_all(con, exports)
    assert [result.status for results in first.values() for result in results] == ["loaded", "loaded"]
    before = con.execute(
        "select (select count(*) from raw.hubspot_companies), (select count(*) from raw.stripe_customers), "
        "(select count(*) from raw._quarantine), (select count(*) from raw._ingest_files)"
    ).fetchall()
    second = _load_all(con, exports)
    assert [result.status for results in second.values() for result in results] == ["unchanged", "unchanged"]
    after = con.execute(
        "select (select count(*) from raw.hubspot_companies), (select count(*) from raw.stripe_customers), "
        "(select count(*) from raw._quarantine), (select count(*) from raw._ingest_files)"
    ).fetchall()
    assert before == after == [(1, 2, 1, 2)]


def test_a_rejected_file_keeps_the_previous_good_data(con, tmp_path):
    exports = tmp_path / "exports"
    path = _write(exports / "crm/hubspot_companies.csv", COMPANIES_HEADER + '"1","Acme","2024-01-01 10:00"\n')
    good = path.read_bytes()
    _load_all(con, exports)
    _write(path, '"Record ID","Name","Create Date"\n"1","Acme renamed","2024-01-01 10:00"\n')
    result = _load_all(con, exports)["hubspot_companies"][0]
    assert result.status == "rejected"
    assert "crm/hubspot_companies.csv" in result.message and "'Company name'" in result.message
    assert con.execute('select "Company name" from raw.hubspot_companies').fetchall() == [("Acme",)]
    assert sorted(con.execute("select status from raw._ingest_files").fetchall()) == [("loaded",), ("rejected",)]
    # Putting the good content back clears the rejection.
    path.write_bytes(good)
    assert _load_all(con, exports)["hubspot_companies"][0].status == "unchanged"
    assert con.execute("select status from raw._ingest_files").fetchall() == [("loaded",)]


def test_a_changed_file_replaces_its_rows_and_its_quarantine(con, tmp_path):
    exports = tmp_path / "exports"
    path = _write(
        exports / "surveys/nps_responses.csv",
        "response_id,email,score,responded_at\nr1,a@x.io,11,2024-01-01\nr2,b@x.io,9,2024-01-01\n",
    )
    _load_all(con, exports)
    assert _scalar(con, "select count(*) from raw._quarantine") == 1
    _write(
        path,
        "response_id,email,score,responded_at\nr1,a@x.io,10,2024-01-01\nr2,b@x.io,9,2024-01-01\nr3,c@x.io,3,2024-01-02\n",
    )
    result = _load_all(con, exports)["nps_responses"][0]
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 0)
    assert _scalar(con, "select count(*) from raw.nps_responses") == 3
    assert _scalar(con, "select count(*) from raw._quarantine") == 0
    assert _scalar(con, "select count(*) from raw._ingest_files") == 1


def test_exact_duplicates_across_files_are_counted_not_loaded(con, tmp_path):
    exports = tmp_path / "exports"
    row = '"1","Acme","2024-01-01 10:00"\n'
    _write(exports / "crm/hubspot_companies_monday.csv", COMPANIES_HEADER + row)
    _write(exports / "crm/hubspot_companies_tuesday.csv", COMPANIES_HEADER + row + '"2","Beta","2024-01-02 10:00"\n')
    results = {result.source_file: result for result in _load_all(con, exports)["hubspot_companies"]}
    tuesday = results["crm/hubspot_companies_tuesday.csv"]
    assert (tuesday.rows_read, tuesday.rows_loaded, tuesday.rows_duplicated) == (2, 1, 1)
    assert _scalar(con, "select count(*) from raw.hubspot_companies") == 2


def test_row_numbers_survive_an_unparseable_row(con, tmp_path):
    exports = tmp_path / "exports"
    _write(
        exports / "crm/hubspot_companies.csv",
        COMPANIES_HEADER
        + '"1","Acme","2024-01-01"\n"2","Beta","2024-01-02","extra","cells"\n"3","Gamma","2024-01-03"\n',
    )
    _load_all(con, exports)
    assert con.execute('select "Record ID", _row_number from raw.hubspot_companies order by 2').fetchall() == [
        ("1", 1),
        ("3", 3),
    ]
    assert con.execute("select row_number, rule from raw._quarantine").fetchall() == [(2, "unparseable_row")]


def test_a_time_after_the_file_was_written_is_quarantined(con, tmp_path):
    exports = tmp_path / "exports"
    written = datetime(2024, 1, 2, 0, 0)
    _write(
        exports / "surveys/nps_responses.csv",
        "response_id,email,score,responded_at\n"
        "r1,a@x.io,9,2024-01-01T10:00:00Z\n"  # before: loaded
        "r2,b@x.io,9,2024-01-02T20:00:00Z\n"  # within the 24 h tolerance: loaded
        "r3,c@x.io,9,2024-01-05T10:00:00Z\n"  # three days later: impossible
        "r4,d@x.io,9,not a date\n",  # unreadable: loaded (staging reads null; the suite warns)
        modified=written,
    )
    _load_all(con, exports)
    assert [row[0] for row in con.execute("select response_id from raw.nps_responses order by 1").fetchall()] == [
        "r1",
        "r2",
        "r4",
    ]
    rule, reason = con.execute("select rule, reason from raw._quarantine").fetchall()[0]
    assert rule == "future_time"
    assert "responded_at '2024-01-05T10:00:00Z'" in reason and "2024-01-02 00:00" in reason
    assert _scalar(con, "select file_modified_at from raw._ingest_files") == written


def test_stripe_times_in_unix_seconds_are_held_to_the_file_date(con, tmp_path):
    exports = tmp_path / "exports"
    written = datetime(2024, 1, 2)
    _write(
        exports / "billing/stripe_customers.jsonl",
        '{"id": "cus_1", "created": 1704067200}\n{"id": "cus_2", "created": 1735689600}\n{"id": " ", "created": 1}\n',
        modified=written,
    )
    _load_all(con, exports)
    assert con.execute("select record->>'id' from raw.stripe_customers").fetchall() == [("cus_1",)]
    assert con.execute("select row_number, rule from raw._quarantine order by 1").fetchall() == [
        (2, "future_time"),
        (3, "missing_value"),
    ]


def test_nps_scores_outside_0_to_10_are_quarantined_only_on_nps_rows(con, tmp_path):
    exports = tmp_path / "exports"
    _write(
        exports / "surveys/nps_responses.csv",
        "response_id,email,score,responded_at,survey_type\n"
        "r1,a@x.io,11,2024-01-01,nps\nr2,b@x.io,9.0,2024-01-01,\nr3,c@x.io,,2024-01-01,NPS\n"
        "r4,d@x.io,12,2024-01-01,ces\nr5,e@x.io,9.5,2024-01-01,nps\n",
    )
    _load_all(con, exports)
    assert [row[0] for row in con.execute("select response_id from raw.nps_responses order by 1").fetchall()] == [
        "r2",
        "r4",
    ]
    assert [row[0] for row in con.execute("select row_number from raw._quarantine order by 1").fetchall()] == [
        1,
        3,
        5,
    ]


def test_the_whole_file_must_be_utf8_not_just_its_header(tmp_path):
    body = "Record ID,Company name,Create Date\n" + "".join(f"{i},Name {i},2024-01-01\n" for i in range(5000))
    latin = _write(tmp_path / "late.csv", (body + "5001,Café,2024-01-01\n").encode("cp1252"))
    with pytest.raises(FileRejected, match=r"not UTF-8 text \(line 5002"):
        check_encoding(latin, "crm/late.csv")
    packed = _write(tmp_path / "late.csv.gz", gzip.compress((body + "5001,Café,2024-01-01\n").encode("cp1252")))
    with pytest.raises(FileRejected, match="not UTF-8"):
        check_encoding(packed, "crm/late.csv.gz")
    assert check_encoding(_write(tmp_path / "ok.csv", "\ufeff" + body), "crm/ok.csv") == "utf-8-bom"
    assert check_encoding(_write(tmp_path / "plain.csv", body), "crm/plain.csv") == "utf-8"


def test_dates_are_read_with_the_staging_models_own_parser(con):
    macro_file = timestamp_parser_source()
    assert macro_file is not None and macro_file.is_relative_to(DBT_PROJECT_DIR / "macros")
    expression = parse_timestamp_sql("value")
    rows = con.execute(
        f"select value, {expression} from (values ('2024-03-12 09:14'), ('3/12/2024 9:14 AM'), "
        "('2024-03-12T09:14:00Z'), ('not a date')) as samples(value)"
    ).fetchall()
    parsed = dict(rows)
    assert parsed["2024-03-12 09:14"] == datetime(2024, 3, 12, 9, 14)
    assert parsed["3/12/2024 9:14 AM"] == datetime(2024, 3, 12, 9, 14)
    assert parsed["2024-03-12T09:14:00Z"] == datetime(2024, 3, 12, 9, 14)
    assert parsed["not a date"] is None


def test_a_table_without_columns_yet_can_be_created(con):
    ensure_tables(
        con, [RawTable(name="generic_accounts", folder="crm", patterns=("accounts.csv",), fmt="csv", required=())]
    )
    columns = [row[0] for row in con.execute("describe raw.generic_accounts").fetchall()]
    assert columns == ["_source_file", "_row_number", "_loaded_at", "_row_hash"]


@pytest.mark.parametrize("name", ["hubspot_companies[1].csv", "hubspot_companies*.csv", "hubspot_companies?.csv"])
def test_a_file_name_with_glob_characters_is_read_literally(con, tmp_path, name):
    exports = tmp_path / "exports"
    _write(exports / "crm" / name, COMPANIES_HEADER + '"1","Literal","2024-01-01 10:00"\n"2","Literal","2024-01-01"\n')
    _write(exports / "crm/hubspot_companies1.csv", COMPANIES_HEADER + '"9","Other","2024-01-01 10:00"\n')
    results = {result.source_file: result for result in _load_all(con, exports)["hubspot_companies"]}
    assert (results[f"crm/{name}"].rows_read, results["crm/hubspot_companies1.csv"].rows_read) == (2, 1)
    rows = con.execute(
        'select _source_file, "Record ID", "Company name" from raw.hubspot_companies order by all'
    ).fetchall()
    assert rows == sorted(
        [(f"crm/{name}", "1", "Literal"), (f"crm/{name}", "2", "Literal"), ("crm/hubspot_companies1.csv", "9", "Other")]
    )


def test_a_jsonl_file_name_with_glob_characters_is_read_literally(con, tmp_path):
    exports = tmp_path / "exports"
    _write(exports / "billing/stripe_customers[1].jsonl.gz", gzip.compress(b'{"id": "cus_literal"}\n'))
    _write(exports / "billing/stripe_customers1.jsonl.gz", gzip.compress(b'{"id": "cus_other"}\n{"id": "cus_x"}\n'))
    _load_all(con, exports)
    rows = con.execute("select _source_file, record->>'id' from raw.stripe_customers order by all").fetchall()
    assert rows == [
        ("billing/stripe_customers1.jsonl.gz", "cus_other"),
        ("billing/stripe_customers1.jsonl.gz", "cus_x"),
        ("billing/stripe_customers[1].jsonl.gz", "cus_literal"),
    ]


def test_a_symlink_loop_is_read_once_and_named(con, tmp_path):
    exports = tmp_path / "exports"
    _write(exports / "crm/hubspot_companies.csv", COMPANIES_HEADER + '"1","Acme","2024-01-01 10:00"\n')
    (exports / "crm/again").symlink_to(exports / "crm")
    _, results = load_exports(con, exports)
    assert [result.rows_loaded for result in results["hubspot_companies"].files] == [1]
    ignored = con.execute(
        "select table_name, source_file, message from raw._ingest_files where status = 'ignored'"
    ).fetchall()
    assert ignored == [("crm", "crm/again", "crm/again: a link to a folder already read (crm/); not read twice")]


def test_unread_files_are_listed_once_and_forgotten_when_they_go(con, tmp_path):
    exports = tmp_path / "exports"
    _write(exports / "crm/hubspot_companies.csv", COMPANIES_HEADER + '"1","Acme","2024-01-01 10:00"\n')
    backup = _write(exports / "crm/hubspot_companies.csv.bak", COMPANIES_HEADER)
    load_exports(con, exports)
    load_exports(con, exports)  # twice: still one row per file
    statuses = "select source_file, status from raw._ingest_files order by all"
    assert con.execute(statuses).fetchall() == [
        ("billing/", "no_files"),
        ("crm/hubspot_companies.csv", "loaded"),
        ("crm/hubspot_companies.csv.bak", "ignored"),
        ("product/", "no_files"),
        ("support/", "no_files"),
        ("surveys/", "no_files"),
    ]
    backup.unlink()
    load_exports(con, exports)
    assert ("crm/hubspot_companies.csv.bak", "ignored") not in con.execute(statuses).fetchall()


def test_a_header_that_fits_no_single_table_is_not_guessed(tmp_path):
    exports = tmp_path / "exports"
    # Both CSV tables of crm/ whose required columns this header holds: companies and contacts.
    _write(exports / "crm/export.csv", '"Record ID","Company name","Email","Create Date"\n"1","Acme","a@x.io","2024"\n')
    _write(exports / "crm/list.csv", '"Record ID","Company name","Create Date"\n"1","Acme","2024-01-01"\n')
    discovery = scan_exports(exports)
    assert [entry.relative for entry in discovery.ignored] == ["crm/export.csv"]
    assert "Its header fits no single table" in discovery.ignored[0].reason
    assert discovery.files["hubspot_companies"] == [exports / "crm/list.csv"]
    assert "recognised by its header as hubspot_companies" in discovery.recognised[exports / "crm/list.csv"]


def test_an_exports_folder_with_nothing_to_load_fails_the_ingest_check_plainly(tmp_path):
    import dagster as dg

    from dagster_project.ingest.assets import FILES_ACCEPTED, build_raw_asset
    from dagster_project.resources import WarehouseResource

    exports = tmp_path / "exports"
    _write(exports / "Exports March/hubspot_companies.csv", COMPANIES_HEADER)
    warehouse = WarehouseResource(warehouse=str(tmp_path / "journey.duckdb"), exports=str(exports))
    result = dg.materialize(
        [build_raw_asset(table("hubspot_companies"))], resources={"warehouse": warehouse}, raise_on_error=False
    )
    (check,) = [evaluation for evaluation in result.get_asset_check_evaluations()]
    assert check.check_name == FILES_ACCEPTED and not check.passed
    assert check.description.startswith(f"nothing to load: no file in {exports} feeds any source (1 seen and not read")
    with duckdb.connect(str(tmp_path / "journey.duckdb")) as warehouse_con:
        assert warehouse_con.execute(
            "select status, message from raw._ingest_files where status = 'ignored'"
        ).fetchall() == [
            (
                "ignored",
                "Exports March/hubspot_companies.csv: folder Exports March/ is not a source folder "
                "(crm/, billing/, support/, surveys/, product/)",
            )
        ]


def _ledger(con) -> list[tuple]:
    return con.execute(
        "select source_file, status, rows_read, rows_loaded, rows_duplicated from raw._ingest_files "
        "where status not in ('ignored', 'no_files') order by all"
    ).fetchall()


def _companies(con) -> list[tuple]:
    return con.execute(
        'select _source_file, "Record ID", "Company name" from raw.hubspot_companies order by all'
    ).fetchall()


def test_a_row_copied_from_a_corrected_file_loads_from_its_copy(con, tmp_path):
    exports = tmp_path / "exports"
    row = '"1","Acme","2024-01-01 10:00"\n'
    monday = _write(exports / "crm/hubspot_companies_monday.csv", COMPANIES_HEADER + row)
    _write(exports / "crm/hubspot_companies_tuesday.csv", COMPANIES_HEADER + row + '"2","Beta","2024-01-02 10:00"\n')
    _load_all(con, exports)
    assert _ledger(con) == [
        ("crm/hubspot_companies_monday.csv", "loaded", 1, 1, 0),
        ("crm/hubspot_companies_tuesday.csv", "loaded", 2, 1, 1),
    ]
    _write(monday, COMPANIES_HEADER + '"1","Acme Corp","2024-01-01 10:00"\n')  # Monday's export corrected
    _load_all(con, exports)
    assert _ledger(con) == [
        ("crm/hubspot_companies_monday.csv", "loaded", 1, 1, 0),
        ("crm/hubspot_companies_tuesday.csv", "loaded", 2, 2, 0),
    ]
    assert _companies(con) == [
        ("crm/hubspot_companies_monday.csv", "1", "Acme Corp"),
        ("crm/hubspot_companies_tuesday.csv", "1", "Acme"),
        ("crm/hubspot_companies_tuesday.csv", "2", "Beta"),
    ]
    before = (_ledger(con), _companies(con))
    assert [result.status for result in _load_all(con, exports)["hubspot_companies"]] == ["unchanged", "unchanged"]
    assert (_ledger(con), _companies(con)) == before


def test_a_file_that_leaves_the_folder_takes_its_rows_and_its_copies_load(con, tmp_path):
    exports = tmp_path / "exports"
    row = '"1","Acme","2024-01-01 10:00"\n'
    monday = _write(exports / "crm/hubspot_companies_monday.csv", COMPANIES_HEADER + row)
    _write(exports / "crm/hubspot_companies_tuesday.csv", COMPANIES_HEADER + row + '"2","Beta","2024-01-02 10:00"\n')
    _write(exports / "crm/hubspot_companies_monday (1).csv", monday.read_bytes())  # a re-dropped copy
    _load_all(con, exports)
    monday.unlink()
    results = Loader(con, exports).load_table(table("hubspot_companies"), discover(exports)["hubspot_companies"])
    assert [(result.source_file, result.status) for result in results.files] == [
        ("crm/hubspot_companies_monday.csv", "removed"),
        ("crm/hubspot_companies_monday (1).csv", "loaded"),  # the re-dropped copy loads in its place
        ("crm/hubspot_companies_tuesday.csv", "unchanged"),
    ]
    assert _ledger(con) == [
        ("crm/hubspot_companies_monday (1).csv", "loaded", 1, 1, 0),
        ("crm/hubspot_companies_monday.csv", "removed", 0, 0, 0),
        ("crm/hubspot_companies_tuesday.csv", "loaded", 2, 1, 1),
    ]
    assert _scalar(con, "select message from raw._ingest_files where status = 'removed'") == (
        "crm/hubspot_companies_monday.csv: no longer in the exports folder; its 1 row(s) were taken out of "
        "raw.hubspot_companies (drop the file again to load it)"
    )
    # The copy goes too: Tuesday's row 1 is now the only one and loads from Tuesday.
    (exports / "crm/hubspot_companies_monday (1).csv").unlink()
    _load_all(con, exports)
    assert _companies(con) == [
        ("crm/hubspot_companies_tuesday.csv", "1", "Acme"),
        ("crm/hubspot_companies_tuesday.csv", "2", "Beta"),
    ]
    assert ("crm/hubspot_companies_tuesday.csv", "loaded", 2, 2, 0) in _ledger(con)
    # Dropped again, Monday is a file like any other: loaded, its row now a copy of Tuesday's.
    _write(monday, COMPANIES_HEADER + row)
    _load_all(con, exports)
    assert [item for item in _ledger(con) if "monday.csv" in item[0]] == [
        ("crm/hubspot_companies_monday.csv", "loaded", 1, 0, 1)
    ]


@pytest.mark.parametrize("compressed", [False, True])
def test_good_rows_after_unclosed_quotes_load_crlf_bom_and_gzip(con, tmp_path, compressed):
    exports = tmp_path / "exports"
    text = (
        "\ufeff"
        + COMPANIES_HEADER
        + '"1","Acme","2024-01-01"\n'
        + '"2","Beta,2024-01-02\n'  # the quote opened before Beta never closes
        + "3,Gamma,2024-01-03\n"
        + '4,"Delta,2024-01-04\n'  # nor this one
        + "5,Eps,2024-01-05\n"
        + '"6","Zeta\nline two","2024-01-06"\n'  # a legitimate line break inside quotes
    ).replace("\n", "\r\n")
    name = "crm/hubspot_companies.csv" + (".gz" if compressed else "")
    _write(exports / name, gzip.compress(text.encode("utf-8")) if compressed else text)
    (result,) = _load_all(con, exports)["hubspot_companies"]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 4, 2)
    assert con.execute(
        'select "Record ID", "Company name", _row_number from raw.hubspot_companies order by 3'
    ).fetchall() == [
        ("1", "Acme", 1),
        ("3", "Gamma", 3),
        ("5", "Eps", 5),
        ("6", "Zeta\r\nline two", 6),
    ]
    quarantined = con.execute("select row_number, raw_text, reason from raw._quarantine order by 1").fetchall()
    assert [(row, text) for row, text, _ in quarantined] == [(2, '"2","Beta,2024-01-02'), (4, '4,"Delta,2024-01-04')]
    # Beta's quote closes at Delta's (2 lines swallowed); Delta's, read again, at Zeta's (3 lines).
    assert [
        "had absorbed the next 2 physical line(s)" in quarantined[0][2],
        "next 3 physical" in quarantined[1][2],
    ] == [
        True,
        True,
    ]

"""Timestamp formats and quality thresholds have one home, the vars of ``dbt/dbt_project.yml``, which
dbt reads with ``var()`` and Python reads as data (``dagster_project.project_vars``)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import jinja2
import pytest
import yaml

from dagster_project import project_vars
from dagster_project.ingest.loader import parse_timestamp_sql
from dagster_project.quality.config import resolve_vars
from dagster_project.settings import DBT_PROJECT_DIR

PARSING_MACROS = DBT_PROJECT_DIR / "macros" / "parsing.sql"
SAMPLES = (
    "2024-03-12 09:14",
    "2024-03-12 09:14:05",
    " 3/12/2024 9:14 PM ",
    "3/12/2024 21:14",
    "3/12/2024",
    "2024-03-12",
    "2024-03-12T09:14:00Z",
    "2024-03-12T09:14:00+02:00",
    "2024-03-12 09:14:05 +0200",
    "12.03.2024",
    "not a date",
    "",
)


@pytest.fixture
def project_file(tmp_path, monkeypatch):
    """A copy of dbt_project.yml that the test may edit; project_vars reads it instead of the real one."""
    copy = tmp_path / "dbt_project.yml"
    copy.write_text((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(project_vars, "DBT_PROJECT_FILE", copy)
    project_vars.dbt_vars.cache_clear()
    yield copy
    project_vars.dbt_vars.cache_clear()


def set_var(project_file, name, value) -> None:
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    project["vars"][name] = value
    project_file.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    project_vars.dbt_vars.cache_clear()


def dbt_macro_sql(expression: str) -> str:
    """staging's ``duckdb__parse_timestamp`` rendered with jinja and dbt's ``var()`` over project_vars."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    environment.globals["var"] = project_vars.dbt_var
    module = environment.from_string(PARSING_MACROS.read_text(encoding="utf-8")).module
    return str(module.duckdb__parse_timestamp(expression)).strip()


def parsed(expression_sql: str) -> dict[str, datetime | None]:
    values = ", ".join("('" + sample.replace("'", "''") + "')" for sample in SAMPLES)
    with duckdb.connect() as con:
        return dict(con.execute(f"select value, {expression_sql} from (values {values}) as samples(value)").fetchall())


def test_ingest_and_staging_read_the_same_dates():
    from_python, from_dbt = parsed(parse_timestamp_sql("value")), parsed(dbt_macro_sql("value"))
    assert from_python == from_dbt
    assert from_python["2024-03-12 09:14:05 +0200"] == datetime(2024, 3, 12, 7, 14, 5)
    assert from_python[" 3/12/2024 9:14 PM "] == datetime(2024, 3, 12, 21, 14)
    assert from_python["12.03.2024"] is None and from_python["not a date"] is None


def test_the_formats_are_data_both_sides_follow(project_file):
    text = PARSING_MACROS.read_text(encoding="utf-8")
    assert "%m/%d/%Y" not in text and "var('timestamp_formats')" in text  # no copy left in the macro
    set_var(project_file, "timestamp_formats", [*project_vars.timestamp_formats(), "%d.%m.%Y"])
    from_python, from_dbt = parsed(parse_timestamp_sql("value")), parsed(dbt_macro_sql("value"))
    assert from_python == from_dbt and from_python["12.03.2024"] == datetime(2024, 3, 12)


def test_a_bad_formats_var_names_the_file(project_file):
    set_var(project_file, "timestamp_offset_formats", "%z")
    with pytest.raises(ValueError, match=r"timestamp_offset_formats.*dbt_project\.yml.*list of strptime formats"):
        parse_timestamp_sql("value")


def test_quality_thresholds_are_read_from_the_dbt_project_not_copied(project_file):
    assert resolve_vars({"max": "$var:quality_max_deal_amount"}) == {"max": 100_000_000}
    set_var(project_file, "quality_max_deal_amount", 5)
    assert resolve_vars(["$var:quality_max_deal_amount"]) == [5]
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    del project["vars"]["quality_max_text_length"]
    project_file.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    project_vars.dbt_vars.cache_clear()
    with pytest.raises(KeyError, match=r"quality_max_text_length.*dbt_project\.yml"):
        resolve_vars("$var:quality_max_text_length")

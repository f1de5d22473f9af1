"""The project's own contract, docs/exports.md and docs/metrics.md, is held to the code.

No warehouse is built: the docs are compared with the model YAMLs of dbt/models/marts, the raw
tables of dagster_project/ingest/catalog.py, the JSON paths the staging SQL reads, the generic
profile's entities and the vars of dbt/dbt_project.yml. The formats parsed here are described at
the top of each doc ("How this page is kept true", "How to read the tables"):

- docs/metrics.md: a heading ``### `<mart>` `` per mart, then a table ``| column | type | meaning |``
  whose first cell is the column in backticks.
- docs/exports.md: table rows whose second cell is ``raw.<table>``: file patterns as
  ``folder/pattern``, the raw table, every required column, optional CSV columns or JSON fields read.
- both: a backticked ``<mart>.<column>`` or mart name; ``var `x` `` / ``vars `x`, `y` and `z` ``
  (a var's default value follows in parentheses, never as a further backticked name in the list).
"""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from dagster_project.ingest.catalog import RAW_TABLES, table_for_file
from dagster_project.ingest.generic import GENERIC_ENTITIES

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
METRICS = DOCS / "metrics.md"
EXPORTS = DOCS / "exports.md"
MART_HEADING = re.compile(r"^### `(\w+)`\s*$")
MART_NAME = r"(?:fct|dim|mart)_\w+"
CELL_SPLIT = re.compile(r"(?<!\\)\|")
BACKTICKED = re.compile(r"`([^`]+)`")
VAR_MENTION = re.compile(r"\bvars?\s+((?:`\w+`(?:,\s*|\s+and\s+)?)+)")  # a default goes in parentheses
JSON_PATH_IN_SQL = (
    # json_text('record', 'a.b'), json_array(...), json_string_list('record', 'tags', ...)
    re.compile(r"json_\w+\(\s*'?\w+'?\s*,\s*'([^']+)'\s*[,)]"),
    re.compile(r"->>?\s*'\$\.([^']+)'"),  # record -> '$.a.b', line ->> '$.a'
)


# --- what the code says -------------------------------------------------------------------
def mart_models() -> dict[str, dict[str, str]]:
    """{mart: {column: data_type}} from dbt/models/marts/**/_*__models.yml."""
    marts: dict[str, dict[str, str]] = {}
    for path in sorted((REPO / "dbt" / "models" / "marts").rglob("_*__models.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            marts[model["name"]] = {
                column["name"]: str(column.get("data_type", "")) for column in model.get("columns", [])
            }
    return marts


def dbt_vars() -> set[str]:
    project = yaml.safe_load((REPO / "dbt" / "dbt_project.yml").read_text(encoding="utf-8"))
    return set(project["vars"])


def staging_json_paths(folder: str) -> set[str]:
    """Every JSON path the staging models of one exports folder read."""
    paths: set[str] = set()
    for sql in (REPO / "dbt" / "models" / "staging" / folder).glob("*.sql"):
        text = sql.read_text(encoding="utf-8")
        for pattern in JSON_PATH_IN_SQL:
            paths.update(pattern.findall(text))
    return paths


# --- what the docs say --------------------------------------------------------------------
def cells(line: str) -> list[str]:
    return [cell.strip() for cell in CELL_SPLIT.split(line.strip().strip("|"))]


def names_in(cell: str) -> list[str]:
    return BACKTICKED.findall(cell)


def mart_sections(text: str) -> dict[str, list[str]]:
    """{mart: its lines} for each ``### `mart` `` heading, up to the next heading."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("#"):
            match = MART_HEADING.match(line)
            assert match is None or match.group(1) not in sections, f"metrics.md: {line!r} twice"
            current = sections.setdefault(match.group(1), []) if match else None
        elif current is not None:
            current.append(line)
    return sections


def documented_columns(lines: list[str]) -> list[tuple[str, str]]:
    """(column, type) of each row of a mart's column table."""
    rows = []
    for line in lines:
        if not line.startswith("|"):
            continue
        row = cells(line)
        if row[0] == "column" or set(row[0]) <= {"-", ":"}:
            continue
        names = names_in(row[0])
        assert len(names) == 1, f"metrics.md: a column row must start with one `column`: {line!r}"
        rows.append((names[0], row[1] if len(row) > 2 else ""))
    return rows


def export_rows() -> list[list[str]]:
    rows = []
    for line in EXPORTS.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and len(row := cells(line)) >= 4 and re.fullmatch(r"`raw\.\w+`", row[1]):
            rows.append(row)
    return rows


# --- docs/metrics.md ----------------------------------------------------------------------
def test_every_mart_heading_is_a_mart_and_every_mart_has_one() -> None:
    documented = set(mart_sections(METRICS.read_text(encoding="utf-8")))
    marts = set(mart_models())
    assert not documented - marts, f"docs/metrics.md documents marts that do not exist: {sorted(documented - marts)}"
    assert not marts - documented, (
        f"marts missing from docs/metrics.md (add a ### `name` section): {sorted(marts - documented)}"
    )


def test_every_documented_column_exists_with_its_type() -> None:
    marts = mart_models()
    problems = []
    for mart, lines in mart_sections(METRICS.read_text(encoding="utf-8")).items():
        rows = documented_columns(lines)
        assert rows, f"docs/metrics.md: ### `{mart}` has no column table"
        for column, data_type in rows:
            if column not in marts.get(mart, {}):
                problems.append(f"{mart}.{column}: no such column")
            elif data_type and data_type.lower() != marts[mart][column].lower():
                problems.append(f"{mart}.{column}: documented as {data_type}, the model says {marts[mart][column]}")
    assert not problems, "docs/metrics.md disagrees with dbt/models/marts:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", [METRICS, EXPORTS], ids=lambda path: path.name)
def test_mart_and_column_references_exist(doc: Path) -> None:
    marts = mart_models()
    problems = []
    for name in re.findall(rf"`({MART_NAME}(?:\.\w+)?)`", doc.read_text(encoding="utf-8")):
        mart, _, column = name.partition(".")
        if mart not in marts:
            problems.append(f"`{name}`: no mart {mart}")
        elif column and column not in marts[mart]:
            problems.append(f"`{name}`: {mart} has no column {column}")
    assert not problems, f"{doc.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", [METRICS, EXPORTS], ids=lambda path: path.name)
def test_named_vars_exist(doc: Path) -> None:
    known = dbt_vars()
    named = {name for group in VAR_MENTION.findall(doc.read_text(encoding="utf-8")) for name in names_in(group)}
    assert named, f"{doc.name} names no dbt var: is the var format still `var `name``?"
    assert not named - known, f"{doc.name} names vars absent from dbt/dbt_project.yml: {sorted(named - known)}"


# --- docs/exports.md ----------------------------------------------------------------------
def test_every_raw_table_is_documented_once() -> None:
    documented = [names_in(row[1])[0].removeprefix("raw.") for row in export_rows()]
    catalog = [raw_table.name for raw_table in RAW_TABLES]
    assert sorted(documented) == sorted(catalog), (
        f"docs/exports.md raw tables {sorted(documented)} differ from catalog.py {sorted(catalog)}"
    )


def test_file_patterns_and_required_columns_match_the_catalog() -> None:
    catalog = {raw_table.name: raw_table for raw_table in RAW_TABLES}
    for row in export_rows():
        raw_table = catalog[names_in(row[1])[0].removeprefix("raw.")]
        patterns = names_in(row[0])
        assert set(patterns) == {f"{raw_table.folder}/{pattern}" for pattern in raw_table.patterns}, (
            f"docs/exports.md {raw_table.name}: patterns {patterns}, catalog.py {raw_table.patterns}"
        )
        for pattern in patterns:  # a file named like the pattern really feeds this table
            example = pattern.replace("*", "x")
            assert fnmatch(example.split("/", 1)[1], pattern.split("/", 1)[1])
            claimed = table_for_file(example)
            assert claimed is not None and claimed.name == raw_table.name, f"{example} feeds {claimed}"
        required = names_in(row[2])
        assert sorted(required) == sorted(raw_table.required), (
            f"docs/exports.md {raw_table.name}: required {required}, catalog.py {raw_table.required}"
        )


def test_optional_columns_and_json_fields_are_read_by_the_code() -> None:
    catalog = {raw_table.name: raw_table for raw_table in RAW_TABLES}
    problems = []
    for row in export_rows():
        raw_table = catalog[names_in(row[1])[0].removeprefix("raw.")]
        if raw_table.fmt == "csv":
            problems += [f"{raw_table.name}: {name}" for name in names_in(row[3]) if name not in raw_table.known]
            continue
        read = staging_json_paths(raw_table.folder)
        for field in names_in(row[3]):
            # `lines.data[].period.start`: the array `lines.data` and, in each element, `period.start`
            parts = [part.strip(".") for part in field.split("[]")]
            problems += [f"{raw_table.name}: {field} ({part})" for part in parts if part and part not in read]
    assert not problems, "docs/exports.md names columns or fields the code does not read:\n" + "\n".join(problems)


def test_generic_profile_table_matches_the_entities() -> None:
    entities = {entity.name: entity for entity in GENERIC_ENTITIES}
    rows = [
        cells(line)
        for line in (DOCS / "generic_profile.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    ]
    assert sorted(names_in(row[0])[0] for row in rows) == sorted(entities)
    for row in rows:
        entity = entities[names_in(row[0])[0]]
        assert names_in(row[1]) == [entity.default_file]
        assert sorted(names_in(row[2])) == sorted(entity.required_roles), entity.name
        assert sorted(names_in(row[3])) == sorted(entity.optional_roles), entity.name


# --- the checks themselves catch drift (a doc naming what does not exist fails) ------------
def test_the_parsers_catch_a_renamed_mart_column_and_pattern() -> None:
    marts = mart_models()
    broken = METRICS.read_text(encoding="utf-8").replace("### `mart_nps`", "### `mart_nps_v2`")
    assert set(mart_sections(broken)) - set(marts) == {"mart_nps_v2"}
    section = mart_sections(METRICS.read_text(encoding="utf-8"))["mart_nps"]
    renamed = [line.replace("| `nps` |", "| `net_promoter` |") for line in section]
    assert ("net_promoter", "double") in documented_columns(renamed)
    assert "net_promoter" not in marts["mart_nps"]
    assert names_in(cells("| `crm/*firms*.csv` | `raw.hubspot_companies` | `Record ID` | |")[0]) == ["crm/*firms*.csv"]
    assert table_for_file("crm/xfirmsx.csv") is None
    assert "no.such.path" not in staging_json_paths("billing")
    mentions = VAR_MENTION.findall("set var `a_b` (`x`) or vars `c`, `d` and `e`")
    assert [names_in(group) for group in mentions] == [["a_b"], ["c", "d", "e"]]


def test_docs_point_at_the_repository_not_at_an_outside_spec() -> None:
    pages = [*sorted(DOCS.glob("*.md")), REPO / "journey_generator" / "README.md"]
    pointing = [page.name for page in pages if "shared/spec" in page.read_text(encoding="utf-8")]
    assert not pointing, (
        f"{pointing} point at shared/spec, which is not in the repository: link docs/exports.md or docs/metrics.md"
    )

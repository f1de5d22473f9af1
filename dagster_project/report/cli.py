"""``journey report``: draw the journey map from the marts into one self-contained HTML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project import settings
from dagster_project.publish.publisher import PUBLISHED_DUCKDB

REPORT_FILE_NAME = "journey_map.html"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="warehouse file (default: $JOURNEY_WAREHOUSE or data/warehouse/journey.duckdb)",
    )
    parser.add_argument(
        "--source",
        type=Path,
        help="the DuckDB file to read the marts from (default: the published marts.duckdb beside the "
        "warehouse, else the warehouse itself)",
    )
    parser.add_argument(
        "--out", type=Path, help=f"the HTML file to write (default: {REPORT_FILE_NAME} beside the warehouse)"
    )


def default_source() -> Path:
    published = settings.publish_dir() / PUBLISHED_DUCKDB
    return published if published.is_file() else settings.warehouse_path()


def run_from_args(args: argparse.Namespace) -> int:
    settings.use_paths(warehouse=args.warehouse)
    # absolute, not resolved: marts.duckdb is a symlink through the publication pointer, and the path
    # users know is the one to print
    source = (args.source or default_source()).expanduser().absolute()
    out = (args.out or settings.publish_dir() / REPORT_FILE_NAME).expanduser().resolve()
    from dagster_project.report.build import write_report

    try:
        result = write_report(source, out)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for missing in result.missing:
        print(f"no data: {missing}", file=sys.stderr)
    print(f"wrote {result.path} ({result.charts_drawn} charts drawn, from {source})")
    return 0

"""The ``journey`` command: generate sample exports, build the warehouse, prepare the dbt project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project import settings


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_prepare(_: argparse.Namespace) -> int:
    """Parse the dbt project so Dagster can load its manifest (run once after install)."""
    settings.use_paths()
    from dagster_project.build import prepare_dbt_project
    from dagster_project.transform.project import dbt_project

    prepare_dbt_project()
    _stderr(f"dbt project prepared: {dbt_project.manifest_path}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from journey_generator.cli import run_from_args

    return run_from_args(args) or 0


def cmd_build(args: argparse.Namespace) -> int:
    """Materialise every asset through Dagster, then print a summary."""
    settings.use_paths(exports=args.exports, warehouse=args.warehouse)
    exports = settings.exports_dir()
    if not exports.is_dir():
        _stderr(f"error: exports folder {exports} does not exist (set --exports or JOURNEY_EXPORTS_DIR)")
        return 2
    if args.exports is None and exports == settings.SAMPLE_EXPORTS_DIR:
        _stderr(f"note: {settings.DEFAULT_EXPORTS_DIR} holds no exports; using the shipped sample")
    warehouse = settings.warehouse_path()
    from dagster_project import fastpath
    from dagster_project.summary import print_summary

    if not args.force:
        state = fastpath.unchanged_since_last_build(exports, warehouse)
        if state is not None:
            _stderr(
                f"nothing changed since the build of {state['built_at']} (no export, model, check or "
                "setting changed): the marts and the publication are current. --force rebuilds anyway."
            )
            print_summary(warehouse)
            return 0
    inputs = fastpath.inputs_fingerprint(exports)
    fastpath.forget_build(warehouse)
    _stderr(f"building {warehouse} from {exports}")

    from dagster_project.build import build_warehouse

    result = build_warehouse(exports, warehouse, log_level=args.log_level)
    print_summary(result.warehouse, elapsed=result.seconds, failed_checks=result.failed_checks)
    for failure in result.failed_steps:
        _stderr(f"failed: {failure}")
    if result.success:
        fastpath.record_good_build(exports, warehouse, inputs, result.seconds)
    return 0 if result.success else 1


def cmd_report(args: argparse.Namespace) -> int:
    """Draw the journey-map report (one self-contained HTML file) from the marts."""
    from dagster_project.report.cli import run_from_args

    return run_from_args(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="journey", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="ingest the exports and build every mart through Dagster")
    build.add_argument(
        "--exports", type=Path, help="exports folder (default: $JOURNEY_EXPORTS_DIR or data/exports)"
    )
    build.add_argument(
        "--warehouse",
        type=Path,
        help="warehouse file (default: $JOURNEY_WAREHOUSE or data/warehouse/journey.duckdb)",
    )
    build.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    build.add_argument(
        "--force",
        action="store_true",
        help="build even when no export, model, check or setting changed since the last good build",
    )
    build.set_defaults(handler=cmd_build)

    generate = commands.add_parser(
        "generate", help="write realistic sample exports of a simulated SaaS business"
    )
    from journey_generator.cli import add_arguments

    add_arguments(generate)
    generate.set_defaults(handler=cmd_generate)

    report = commands.add_parser(
        "report", help="write the journey-map report (self-contained HTML) from the published marts"
    )
    from dagster_project.report.cli import add_arguments as add_report_arguments

    add_report_arguments(report)
    report.set_defaults(handler=cmd_report)

    prepare = commands.add_parser("prepare", help="parse the dbt project (writes the manifest Dagster loads)")
    prepare.set_defaults(handler=cmd_prepare)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())

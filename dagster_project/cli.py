"""The journey command: build the warehouse, query its metrics, run dbt, generate sample exports."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

from dagster_project import settings

_STARTED = time.monotonic()  # the command's start, for the start-up time in last_build.json

EXIT_OK = 0
EXIT_BUILD_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_WAREHOUSE_LOCKED = 3

DESCRIPTION = """\
Journey Warehouse: SaaS exports in, customer-journey marts out (Dagster + dbt + DuckDB).

Start with `journey build` (the shipped sample exports when data/exports/ is empty), then read the
marts with `journey metrics`, `journey dbt` or any DuckDB client on the published marts.duckdb.
"""

BUILD_DESCRIPTION = """\
Ingest the exports folder and build every mart through Dagster: ingest, raw checks, dbt models and
tests (the marts' invariants among them), publish, report. Shows one line per phase; the full log
goes to a file the summary names (--verbose shows it live).

Writes:
  the warehouse file         --warehouse / $JOURNEY_WAREHOUSE (schemas raw, staging, marts, ...)
  the publication            marts.duckdb and parquet/<mart>.parquet in the publish folder
                             (--publish-dir / $JOURNEY_PUBLISH_DIR, default: the warehouse's folder),
                             replaced only when every blocking check passed
  the report                 journey_map.html in the publish folder
  the quality page           quality/latest.html in the publish folder
  the build log              logs/build-<UTC time>.log beside the warehouse (the last 10 are kept)

Exit status: 0 built; 1 the build failed (the last line says why and what to do; the last good
publication is left as it was); 2 bad arguments or no exports folder; 3 another process holds the
warehouse file (the message names it).
"""

METRICS_DESCRIPTION = """\
Run MetricFlow (`mf`) on the warehouse, from the dbt project, with the environment set up: the
warehouse path is the one `journey build` and `journey prepare` use, so dbt's parse is reused rather
than redone. Everything after `metrics` goes to mf, e.g.:

  journey metrics list metrics
  journey metrics query --metrics mrr,paying_customers --group-by metric_time__month
  journey metrics query --metrics nps --group-by metric_time__month,nps_response__segment

Run it after a build, not during one (mf opens the warehouse file).
"""

DBT_DESCRIPTION = """\
Run dbt in the dbt project (dbt/) against the warehouse, with the environment set up as
`journey build` does. Everything after `dbt` goes to dbt, e.g.:

  journey dbt build --select analysts
  journey dbt ls --select marts

Run it after a build, not during one (DuckDB lets one process write the warehouse file).
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their line breaks; an option's default is shown when it has one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        if (
            "%(default)" not in help_text
            and "default:" not in help_text
            and action.default not in (None, False, argparse.SUPPRESS)
            and action.option_strings
        ):
            help_text += " (default: %(default)s)"
        return help_text


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_prepare(_: argparse.Namespace) -> int:
    """Parse the dbt project so Dagster can load its manifest (run once after install)."""
    settings.use_paths()
    from dagster_project.build import prepare_dbt_project
    from dagster_project.transform.project import dbt_project

    prepare_dbt_project()
    _stderr(f"dbt project prepared: {dbt_project.manifest_path}")
    return EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    from journey_generator.cli import run_from_args

    return run_from_args(args) or 0


def _resolve_build_paths(args: argparse.Namespace) -> tuple[Path, Path] | None:
    """Pin the exports folder, warehouse and publish folder for this process and dbt; None if unusable."""
    if args.publish_dir is not None:
        os.environ["JOURNEY_PUBLISH_DIR"] = str(Path(args.publish_dir).expanduser().resolve())
    settings.use_paths(exports=args.exports, warehouse=args.warehouse)
    exports = settings.exports_dir()
    if not exports.is_dir():
        _stderr(
            f"error: exports folder {exports} does not exist; pass --exports DIR (or set JOURNEY_EXPORTS_DIR) "
            "to a folder with crm/, billing/, support/, surveys/, product/ subfolders"
        )
        return None
    if args.exports is None and exports == settings.SAMPLE_EXPORTS_DIR:
        _stderr(f"note: {settings.DEFAULT_EXPORTS_DIR} holds no exports; using the shipped sample")
    return exports, settings.warehouse_path()


def _run_build(exports: Path, warehouse: Path, args: argparse.Namespace):
    """Build with the progress display, everything else in the log file; never raises for a failed build."""
    from dagster_project.build import BuildResult, StepFailure, build_warehouse
    from dagster_project.progress import captured_output, new_log_file

    log_file = new_log_file(warehouse.parent / "logs")
    verbose = args.verbose or args.log_level is not None  # asking for a level is asking to see the log
    _stderr(f"building {warehouse} from {exports}" + ("" if verbose else f" (full log: {log_file})"))
    with captured_output(log_file, enabled=not verbose) as (_, progress_stream):
        try:
            result = build_warehouse(
                exports,
                warehouse,
                log_level=args.log_level or "INFO",
                progress_stream=progress_stream,
                log_file=log_file if verbose else None,  # otherwise the redirected output is the log
            )
            result.log_file = log_file
            return result
        except Exception as error:  # set-up (dbt parse, Dagster) failed: the cause goes to the line
            traceback.print_exc()
            causes, seen = [], error.__cause__ or error.__context__
            while seen is not None and len(causes) < 10:
                causes.append(str(seen))
                seen = seen.__cause__ or seen.__context__
            return BuildResult(
                success=False,
                warehouse=warehouse,
                exports=exports,
                seconds=0.0,
                failures=[StepFailure("set-up", f"{type(error).__name__}: {error}", causes)],
                log_file=log_file,
            )
        finally:
            sys.stdout.flush()
            sys.stderr.flush()


def _write_build_timings(warehouse: Path, result, dbt_vars: dict | None = None) -> None:
    """``last_build.json`` beside the warehouse: success, total and per-phase seconds (the benchmark reads it).

    ``startup`` is the time from the command's start to the first step (imports, dbt parse, loading
    the definitions); the phases are those of the progress display.
    """
    total = time.monotonic() - _STARTED
    phases = {name.replace(" ", "_"): round(seconds, 2) for name, seconds in result.phase_seconds.items()}
    payload = {
        "success": result.success,
        "seconds": round(total, 2),
        "phases": {"startup": round(max(total - result.seconds, 0.0), 2), **phases},
        "dbt_vars": dbt_vars or {},
    }
    with contextlib.suppress(OSError):  # timings are a convenience; a read-only folder must not fail the build
        (warehouse.parent / "last_build.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")


def cmd_build(args: argparse.Namespace) -> int:
    """Resolve the paths, build the warehouse through Dagster, then print a summary (or why it failed)."""
    from dagster_project import fastpath
    from dagster_project.build import warehouse_lock_holder
    from dagster_project.summary import failure_line, lock_line, print_summary

    paths = _resolve_build_paths(args)
    if paths is None:
        return EXIT_BAD_INPUT
    exports, warehouse = paths
    build_vars = _resolve_dbt_vars(exports, args.var or [])
    if build_vars is None:
        return EXIT_BAD_INPUT
    if not args.force:
        state = fastpath.unchanged_since_last_build(exports, warehouse)
        if state is not None:
            _stderr(
                f"nothing changed since the build of {state['built_at']} (no export, model, check or "
                "setting changed): the marts and the publication are current. --force rebuilds anyway."
            )
            print_summary(warehouse)
            return EXIT_OK
    holder = warehouse_lock_holder(warehouse)
    if holder is not None:
        _stderr(lock_line(warehouse, holder.pid, holder.command))
        return EXIT_WAREHOUSE_LOCKED

    inputs = fastpath.inputs_fingerprint(exports)  # taken before the build: a file dropped during it counts
    fastpath.forget_build(warehouse)  # a failed or killed build is never skipped next time
    result = _run_build(exports, warehouse, args)
    _write_build_timings(warehouse, result, build_vars)
    if not result.success:
        for check in result.blocking_checks[:5]:
            _stderr(f"  blocking check failed: {check}")
        _stderr(
            failure_line(
                warehouse, result.failures, result.blocking_checks, result.succeeded_steps, result.log_file
            )
        )
        return EXIT_BUILD_FAILED
    print_summary(
        result.warehouse,
        elapsed=result.seconds,
        phase_seconds=result.phase_seconds,
        warnings=len(result.failed_checks) - len(result.blocking_checks),
        log_file=result.log_file,
    )
    if build_vars:
        _stderr("dbt vars: " + ", ".join(f"{name}={json.dumps(value)}" for name, value in sorted(build_vars.items())))
    fastpath.record_good_build(exports, warehouse, inputs, result.seconds, dbt_vars=build_vars)
    return EXIT_OK


def _resolve_dbt_vars(exports: Path, options: list[str]) -> dict | None:
    """Pin ``--var`` options for this process and dbt (``JOURNEY_DBT_VARS``, over any already set);
    the build's vars with mapping.yml's ``vars:``, or None (said why) when one is not usable."""
    from dagster_project.ingest.generic import MappingError
    from dagster_project.transform import dbt_vars

    try:
        given = dict(dbt_vars.parse_var_option(option) for option in options)
        if given:
            os.environ[dbt_vars.DBT_VARS_ENV] = json.dumps({**dbt_vars.environment_vars(), **given}, sort_keys=True)
        return dbt_vars.effective_vars(exports)
    except (ValueError, MappingError) as error:
        _stderr(f"error: {error}")
        return None


def _run_in_dbt_project(command: list[str]) -> int:
    """Run ``command`` in dbt/ with the warehouse path pinned as at set-up (so dbt's parse is reused)."""
    env = dict(os.environ)
    env.setdefault("DBT_PROFILES_DIR", str(settings.DBT_PROJECT_DIR))
    env.setdefault("DBT_TARGET_PATH", settings.dbt_target_path())
    try:
        return subprocess.call(command, cwd=settings.DBT_PROJECT_DIR, env=env)
    except FileNotFoundError:
        _stderr(f"error: {command[0]} is not installed beside {sys.executable}; run `make run` (it installs it)")
        return EXIT_BAD_INPUT


def _check_warehouse_built(warehouse: Path) -> bool:
    if warehouse.exists():
        return True
    _stderr(f"error: no warehouse at {warehouse}; run `journey build` first (or pass --warehouse)")
    return False


def cmd_metrics(args: argparse.Namespace) -> int:
    settings.use_paths(warehouse=args.warehouse)
    if not _check_warehouse_built(settings.warehouse_path()):
        return EXIT_BAD_INPUT
    target = settings.DBT_PROJECT_DIR / settings.dbt_target_path()
    if not (target / "semantic_manifest.json").exists():
        _stderr("parsing the dbt project once (writes the semantic manifest mf reads)…")
        from dagster_project.build import prepare_dbt_project

        prepare_dbt_project()
    return _run_in_dbt_project(["mf", *args.mf_args])


def cmd_dbt(args: argparse.Namespace) -> int:
    settings.use_paths(warehouse=args.warehouse)
    return _run_in_dbt_project(["dbt", *args.dbt_args])


def cmd_export_raw(args: argparse.Namespace) -> int:
    """Copy the warehouse's raw layer into PostgreSQL (docs/scale-out.md)."""
    from dagster_project.export_raw import dbt_build_command, export_raw_to_postgres, postgres_dsn_from_env

    settings.use_paths(warehouse=args.warehouse)
    warehouse = settings.warehouse_path()
    dsn = postgres_dsn_from_env()
    try:
        tables = export_raw_to_postgres(warehouse, dsn)
    except (FileNotFoundError, ValueError) as error:
        print(f"journey export-raw: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:  # psycopg2 errors: the server, the login, the database
        print(f"journey export-raw: could not copy to PostgreSQL ({dsn}): {error}".rstrip(), file=sys.stderr)
        print("  set JOURNEY_PG_HOST, JOURNEY_PG_PORT, JOURNEY_PG_USER, JOURNEY_PG_PASSWORD, JOURNEY_PG_DBNAME",
              file=sys.stderr)
        return EXIT_BUILD_FAILED
    rows = sum(table.rows for table in tables)
    print(f"copied {len(tables)} raw tables ({rows:,} rows) from {warehouse} to PostgreSQL schema raw")
    print(f"next: {dbt_build_command(warehouse)}  (docs/scale-out.md; with the vars of the warehouse's last build)")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Draw the journey-map report (one self-contained HTML file) from the marts."""
    from dagster_project.report.cli import run_from_args

    return run_from_args(args)


WAREHOUSE_HELP = "warehouse file (default: $JOURNEY_WAREHOUSE, else data/warehouse/journey.duckdb)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="journey", description=DESCRIPTION, formatter_class=HelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, description: str | None = None) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=help_text, description=description or help_text[0].upper() + help_text[1:] + ".",
            formatter_class=HelpFormatter,
        )

    build = add("build", "ingest the exports and build, check and publish every mart", BUILD_DESCRIPTION)
    build.add_argument(
        "--exports",
        type=Path,
        help="exports folder (default: $JOURNEY_EXPORTS_DIR, else data/exports, else the shipped sample)",
    )
    build.add_argument("--warehouse", type=Path, help=WAREHOUSE_HELP)
    build.add_argument(
        "--publish-dir",
        type=Path,
        help="where marts.duckdb, parquet/, the report and the quality page go "
        "(default: $JOURNEY_PUBLISH_DIR, else the warehouse's folder)",
    )
    build.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="show the full log live from this level (implies --verbose; default: INFO, into the log file)",
    )
    build.add_argument(
        "-v", "--verbose", action="store_true", help="show the full log live instead of one line per phase"
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="build even when no export, model, check or setting changed since the last good build",
    )
    build.add_argument(
        "--var",
        action="append",
        metavar="NAME=VALUE",
        help="set a dbt var for this build (repeatable; over mapping.yml's vars: block), "
        "e.g. --var mrr_month_membership=any_overlap; recorded in last_build.json",
    )
    build.set_defaults(handler=cmd_build)

    metrics = add("metrics", "query the metrics by name (MetricFlow's mf, set up for this warehouse)",
                  METRICS_DESCRIPTION)
    metrics.add_argument("--warehouse", type=Path, help=WAREHOUSE_HELP)
    metrics.add_argument("mf_args", nargs=argparse.REMAINDER, metavar="MF_ARGS", help="arguments for mf")
    metrics.set_defaults(handler=cmd_metrics)

    dbt = add("dbt", "run dbt on the warehouse (e.g. your own models in models/analysts)", DBT_DESCRIPTION)
    dbt.add_argument("--warehouse", type=Path, help=WAREHOUSE_HELP)
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="DBT_ARGS", help="arguments for dbt")
    dbt.set_defaults(handler=cmd_dbt)

    generate = add("generate", "write realistic sample exports of a simulated SaaS business")
    from journey_generator.cli import add_arguments

    add_arguments(generate)
    generate.set_defaults(handler=cmd_generate)

    report = add("report", "redraw the journey-map report (self-contained HTML) from the published marts")
    from dagster_project.report.cli import add_arguments as add_report_arguments

    add_report_arguments(report)
    report.set_defaults(handler=cmd_report)

    export_raw = add(
        "export-raw",
        "copy the warehouse's raw layer into PostgreSQL, for `dbt build --target postgres`",
        "Copy every raw.* table of the warehouse (after `journey build`) into the PostgreSQL schema raw,\n"
        "replacing what was there, in one transaction. The connection comes from JOURNEY_PG_HOST,\n"
        "JOURNEY_PG_PORT, JOURNEY_PG_USER, JOURNEY_PG_PASSWORD and JOURNEY_PG_DBNAME, as dbt's\n"
        "`postgres` target reads them (docs/scale-out.md).",
    )
    export_raw.add_argument("--to", choices=["postgres"], default="postgres", help="the engine (default: postgres)")
    export_raw.add_argument("--warehouse", type=Path, help=WAREHOUSE_HELP)
    export_raw.set_defaults(handler=cmd_export_raw)

    prepare = add(
        "prepare",
        "parse the dbt project (writes the manifest Dagster loads; run after adding a model)",
    )
    prepare.set_defaults(handler=cmd_prepare)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())

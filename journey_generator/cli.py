"""CLI glue for `journey generate --accounts N --seed S --out DIR [--dirty]` (and `python -m journey_generator`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the generator's options to an (sub)parser."""
    parser.add_argument("--accounts", type=int, default=500, help="number of CRM companies to simulate")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same bytes)")
    parser.add_argument("--out", type=Path, default=Path("data/exports"), help="exports folder to write")
    parser.add_argument(
        "--dirty", action="store_true", help="inject realistic faults and write manifest.json listing them"
    )
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: up to 2)")


def run_from_args(args: argparse.Namespace) -> int:
    """Run the generator with parsed arguments; progress goes to stderr. Returns an exit code."""
    from .pipeline import generate  # here, not at the top: `journey build` reads this module's options only

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    summary = generate(
        args.accounts,
        args.seed,
        args.out,
        dirty=args.dirty,
        progress=progress,
        workers=getattr(args, "workers", None),
    )
    for rel, rows in summary["files"].items():
        progress(f"  {rel}: {rows:,} rows")
    if args.dirty:
        progress(f"  manifest.json: {summary['faults']} faults")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m journey_generator", description=__doc__)
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

"""Orchestration: simulate chunks of accounts (in parallel processes), stream them to files.

Each chunk is simulated and rendered to bytes independently (its randomness depends only on
the seed and the chunk index), then the parent process appends the chunks in index order, so
the output is byte-identical for a given (seed, accounts) whatever the number of workers.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import IO

import numpy as np

from . import writers as W
from .billing import simulate_customers, simulate_invoices, simulate_subscriptions
from .common import Calendar, random_tokens
from .constants import CHUNK_ACCOUNTS, DAY
from .fmt import csv_header, lines_bytes
from .model import ChunkSpec, simulate_accounts, simulate_contacts, simulate_deals
from .product import simulate_events
from .support import organizations, simulate_tickets, ticket_events, users
from .surveys import simulate_responses

Progress = Callable[[str], None]
ChunkOutput = dict[str, tuple[bytes, int]]  # relative path -> (bytes, rows)

SOURCE_FOLDERS = ("crm", "billing", "support", "surveys", "product")


def simulate_chunk(seed: int, chunk: int, first: int, n: int) -> ChunkOutput:
    """Simulate accounts `first .. first+n-1` and render every file's rows for them."""
    cal = Calendar.from_seed(seed)
    spec = ChunkSpec(seed, chunk, first, n)
    acc = simulate_accounts(spec, cal)
    ct = simulate_contacts(spec, cal, acc)
    dl = simulate_deals(spec, cal, acc)
    sub = simulate_subscriptions(spec, cal, acc)
    periods, inv, lines = simulate_invoices(spec, cal, acc, sub)
    cus = simulate_customers(spec, cal, acc, sub, inv)
    tk = simulate_tickets(spec, cal, acc, ct, ticket_events(spec, cal, acc, sub, periods))
    orgs = organizations(spec, acc, sub, tk)
    zu = users(spec, acc, tk, orgs)
    rs = simulate_responses(spec, cal, acc, ct, sub)
    ev, product_users, anon = simulate_events(spec, cal, acc, ct, sub, tk)

    out: ChunkOutput = {}

    def put(path: str, rendered, rows: int | None = None) -> None:
        data = rendered if isinstance(rendered, bytes) else lines_bytes(rendered)
        out[path] = (data, len(rendered) if rows is None else rows)

    put(W.COMPANIES.path, W.render_companies(acc))
    put(W.CONTACTS.path, W.render_contacts(acc, ct))
    put(W.DEALS.path, W.render_deals(acc, dl))
    put(W.STRIPE_CUSTOMERS.path, W.render_customers(acc, ct, cus))
    put(W.STRIPE_SUBSCRIPTIONS.path, W.render_subscriptions(cal, acc, sub, periods, inv, cus))
    put(W.STRIPE_INVOICES.path, W.render_invoices(acc, sub, inv, lines, cus), inv["acct"].size)

    in_api, in_csv = W.ticket_split(cal, tk, spec.rng("ticket_split"))
    api_rows, csv_rows = np.flatnonzero(in_api), np.flatnonzero(in_csv)
    put(W.ZD_TICKETS.path, W.render_tickets(acc, orgs, tk, api_rows))
    put(W.ZD_METRICS.path, W.render_ticket_metrics(tk, api_rows))
    put(W.ZD_ORGS.path, W.render_organizations(cal, acc, orgs))
    user_lines = W.render_users(acc, ct, zu)
    if chunk == 0:
        agents = W.render_agents(cal)
        out[W.ZD_USERS.path] = (lines_bytes(agents) + lines_bytes(user_lines), len(agents) + len(user_lines))
    else:
        put(W.ZD_USERS.path, user_lines)
    user_email = W.user_emails(acc, ct, zu)
    requester_email = user_email.take(np.searchsorted(zu["id"], tk["requester_id"][csv_rows]))
    put(W.ZD_CSV.path, W.render_tickets_csv(acc, ct, requester_email, orgs, tk, csv_rows))

    response_ids = np.char.add(b"R_", random_tokens(spec.rng("response_ids"), rs["acct"].size, 15))
    put(W.NPS.path, W.render_nps(cal, acc, ct, rs, response_ids))

    rendered = W.render_events(acc, product_users, anon, ev)
    months = (ev["ts"] // DAY).astype("datetime64[D]").astype("datetime64[M]")
    if months.size:
        labels, starts = np.unique(months, return_index=True)
        ends = np.append(starts[1:], months.size)
        for label, lo, hi in zip(labels, starts, ends, strict=True):
            path = W.EVENTS_PATTERN.format(month=str(label).replace("-", "_"))
            put(path, rendered.slice(int(lo), int(hi - lo)))
    return out


def _chunks(accounts: int) -> list[tuple[int, int, int]]:
    return [
        (i, first, min(CHUNK_ACCOUNTS, accounts - first)) for i, first in enumerate(range(0, accounts, CHUNK_ACCOUNTS))
    ]


def _run_chunks(seed: int, accounts: int, workers: int) -> Iterator[ChunkOutput]:
    """Chunk outputs in chunk order; at most a few chunks in flight to bound memory."""
    chunks = _chunks(accounts)
    if workers <= 1 or len(chunks) <= 1:
        for i, first, n in chunks:
            yield simulate_chunk(seed, i, first, n)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[ChunkOutput]] = []
        todo = iter(chunks)
        for i, first, n in todo:
            pending.append(pool.submit(simulate_chunk, seed, i, first, n))
            if len(pending) >= workers + 1:
                break
        while pending:
            result = pending.pop(0).result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(simulate_chunk, seed, *nxt))
            yield result


def _clear(out: Path) -> None:
    """Remove files a previous run left in the source folders (and its manifest)."""
    for folder in SOURCE_FOLDERS:
        target = out / folder
        if target.is_dir():
            shutil.rmtree(target)
    manifest = out / "manifest.json"
    if manifest.exists():
        manifest.unlink()


class _Files:
    """Open output files on first write; CSV headers are written when a file is created."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.handles: dict[str, IO[bytes]] = {}
        self.rows: dict[str, int] = {}
        self.specs = {spec.path: spec for spec in W.LAYOUT}

    def handle(self, rel: str) -> IO[bytes]:
        if rel not in self.handles:
            path = self.out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(path, "wb")  # noqa: SIM115 - closed in close()
            spec = self.specs.get(rel)
            if spec is not None and spec.header is not None:
                fh.write(csv_header(spec.header, spec.quote_all))
            self.handles[rel] = fh
            self.rows[rel] = 0
        return self.handles[rel]

    def write(self, rel: str, data: bytes, rows: int) -> None:
        self.handle(rel).write(data)
        self.rows[rel] += rows

    def close(self) -> None:
        for fh in self.handles.values():
            fh.close()


def generate(
    accounts: int,
    seed: int,
    out: Path,
    dirty: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> dict:
    """Write a complete set of sample exports for `accounts` simulated accounts.

    Same (accounts, seed) gives byte-identical files. With `dirty`, faults real exports have
    are then injected and listed in `manifest.json`. Returns a summary: files and row counts,
    bytes written, the export date, and for dirty runs the manifest.
    """
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    say = progress or (lambda _msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    cal = Calendar.from_seed(seed)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    started = time.perf_counter()
    files = _Files(out)
    try:
        for spec in W.LAYOUT:
            files.handle(spec.path)
        chunks = _chunks(accounts)
        for done, result in enumerate(_run_chunks(seed, accounts, workers), start=1):
            for rel in sorted(result):
                data, rows = result[rel]
                files.write(rel, data, rows)
            if done == len(chunks) or done % max(1, len(chunks) // 20) == 0:
                accounts_done = min(accounts, done * CHUNK_ACCOUNTS)
                say(f"generated {accounts_done:,}/{accounts:,} accounts ({time.perf_counter() - started:.1f}s)")
    finally:
        files.close()
    summary: dict = {
        "accounts": accounts,
        "seed": seed,
        "export_date": cal.export_date,
        "out": str(out),
        "files": dict(sorted(files.rows.items())),
        "bytes": sum((out / rel).stat().st_size for rel in files.rows),
    }
    if dirty:
        from .dirty import inject_faults

        say("injecting faults (dirty mode)")
        summary["manifest"] = inject_faults(out, seed, summary["files"])
        summary["faults"] = len(summary["manifest"])
    summary["seconds"] = round(time.perf_counter() - started, 2)
    say(f"done: {len(summary['files'])} files, {summary['bytes'] / 1e6:.1f} MB in {summary['seconds']}s")
    return summary


__all__ = ["generate", "simulate_chunk"]

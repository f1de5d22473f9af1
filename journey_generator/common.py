"""Shared building blocks: the simulated calendar, seeded random streams and array helpers.

Times are int64 unix seconds (UTC) everywhere in the simulation; -1 means "never".
Determinism: every chunk of accounts draws from its own `numpy.random.Generator` seeded by
(seed, chunk index, stream name), so output depends only on the seed and the account count,
never on the wall clock, process scheduling or hash order.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from .constants import DAY

NEVER = -1


@dataclass(frozen=True)
class Calendar:
    """The simulated history: `start` (inclusive) to `export_end` (exclusive), unix seconds.

    The export date is derived from the seed: the last day of October 2026 minus `seed % 6`
    months, so seed 42 exports on 2026-10-31 and different seeds end in different months.
    History covers 36 months before it.
    """

    seed: int
    start: int
    export_end: int

    @classmethod
    def from_seed(cls, seed: int) -> Calendar:
        end_month = np.datetime64("2026-11", "M") - (seed % 6)
        start_month = end_month - 36
        return cls(seed, to_unix(start_month), to_unix(end_month))

    @property
    def export_date(self) -> str:
        """The last calendar day covered by the export (ISO date)."""
        return str(np.datetime64(self.export_end - DAY, "s").astype("datetime64[D]"))


def to_unix(value: np.datetime64) -> int:
    """Unix seconds of a numpy datetime64 of any unit."""
    return int(value.astype("datetime64[s]").astype(np.int64))


def stream(seed: int, chunk: int, name: str) -> np.random.Generator:
    """An independent random stream per (seed, chunk, purpose)."""
    tag = zlib.crc32(name.encode("ascii"))
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, chunk, tag]))


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Explode parents into children: (parent index, position within parent) for each child."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(parent.size) - starts[parent]


def group_cumsum(values: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Cumulative sum of `values` restarting at every new parent (parents sorted, contiguous)."""
    if parent.size == 0:
        return np.asarray(values).copy()
    total = np.cumsum(values)
    first = np.ones(parent.size, dtype=bool)
    first[1:] = parent[1:] != parent[:-1]
    group_start = np.flatnonzero(first)[np.cumsum(first) - 1]
    return total - (total[group_start] - values[group_start])


def add_months(ts: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Add calendar months to unix times, clipping the day to the target month (Stripe anchors)."""
    ts = np.asarray(ts, dtype=np.int64)
    days = ts // DAY
    tod = ts - days * DAY
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_in_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64)
    month_len = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    new_day = target.astype("datetime64[D]").astype(np.int64) + np.minimum(day_in_month, month_len - 1)
    return new_day * DAY + tod


def month_index(ts: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each unix time."""
    return (np.asarray(ts, dtype=np.int64) // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def day_time(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into the day for human activity: mostly office hours, a tail at night."""
    hours = np.clip(rng.normal(13.5, 3.2, n), 0.0, 23.99)
    return (hours * 3600).astype(np.int64) + rng.integers(0, 60, n)


def choice(rng: np.random.Generator, weights: np.ndarray | list[float], n: int) -> np.ndarray:
    """Categorical draws (int indexes) from one weight vector."""
    w = np.asarray(weights, dtype=np.float64)
    return np.searchsorted(np.cumsum(w / w.sum()), rng.random(n), side="right").clip(0, w.size - 1)


def choice_rows(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Categorical draws where each draw uses its own weight row `table[rows[i]]`."""
    cum = np.cumsum(np.asarray(table, dtype=np.float64), axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(rows.size)
    return (u[:, None] >= cum[rows]).sum(axis=1).clip(0, cum.shape[1] - 1)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


_ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
_B36 = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", np.uint8)


def random_tokens(rng: np.random.Generator, n: int, length: int, hex_only: bool = False) -> np.ndarray:
    """`n` random ASCII tokens of fixed length (Stripe-style ids), as a numpy bytes array."""
    table = _HEX if hex_only else _ALNUM
    codes = table[rng.integers(0, table.size, size=(n, length))]
    return np.ascontiguousarray(codes).view(f"S{length}").ravel()


def base36(values: np.ndarray, width: int) -> np.ndarray:
    """Fixed-width lowercase base-36 rendering of non-negative ints, as a numpy bytes array."""
    values = np.asarray(values, dtype=np.int64).copy()
    digits = np.empty((values.size, width), dtype=np.uint8)
    for pos in range(width - 1, -1, -1):
        digits[:, pos] = _B36[values % 36]
        values //= 36
    return np.ascontiguousarray(digits).view(f"S{width}").ravel()

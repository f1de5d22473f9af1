"""Compare a table built by two engines value for value: money (decimals) to the cent, other numbers
(ratios, doubles) to 1e-9 relative, everything else exactly; rows matched after sorting."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

MONEY_TOLERANCE = Decimal("0.005")  # to the cent
RATIO_TOLERANCE = 1e-9


def _normal(value):
    if isinstance(value, list | tuple):
        return tuple(_normal(item) for item in value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    return value


def _sort_key(row: tuple) -> tuple:
    """A key that sorts both engines' rows alike: numbers rounded well inside the tolerances."""
    key = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, float | Decimal):
            key.append((1, f"{round(float(value), 4):.4f}"))
        else:
            key.append((2, repr(value)))
    return tuple(key)


def values_equal(left, right) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, tuple) and isinstance(right, tuple):
        return len(left) == len(right) and all(values_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        if isinstance(left, float | int | Decimal) and isinstance(right, float | int | Decimal):
            return abs(Decimal(str(left)) - Decimal(str(right))) < MONEY_TOLERANCE
        return False
    if isinstance(left, float) or isinstance(right, float):
        if isinstance(left, bool) or isinstance(right, bool):
            return False
        return math.isclose(float(left), float(right), rel_tol=RATIO_TOLERANCE, abs_tol=RATIO_TOLERANCE)
    return left == right


def table_differences(columns: list[str], expected: list[tuple], actual: list[tuple], limit: int = 5) -> list[str]:
    """What differs between two engines' rows of one table (empty when they agree)."""
    if len(expected) != len(actual):
        return [f"{len(expected)} rows on DuckDB, {len(actual)} on the other engine"]
    expected = sorted((tuple(_normal(v) for v in row) for row in expected), key=_sort_key)
    actual = sorted((tuple(_normal(v) for v in row) for row in actual), key=_sort_key)
    problems = []
    for number, (left, right) in enumerate(zip(expected, actual, strict=True)):
        for column, a, b in zip(columns, left, right, strict=True):
            if not values_equal(a, b):
                problems.append(f"row {number} column {column}: DuckDB {a!r}, other engine {b!r}")
                break
        if len(problems) >= limit:
            break
    return problems

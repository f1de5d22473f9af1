"""Vectorised text rendering with pyarrow compute: JSON fragments, CSV cells and dates.

Each helper takes numpy or pyarrow columns and returns a pyarrow string array; `cat` glues
literal pieces and columns element-wise, so a whole file chunk is rendered without a Python
loop per row. Strings handed to the JSON helpers must not need escaping (the name pools and
text templates are checked for that); CSV cells are quoted with doubled inner quotes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .constants import DAY

Col = pa.Array | pa.ChunkedArray
Part = Col | str


def col(values: np.ndarray | Sequence[str] | Col) -> pa.Array:
    """Any 1-D array-like as a pyarrow string array (ints are rendered in decimal)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
    arr = np.asarray(values)
    if arr.dtype.kind == "S":
        return pc.cast(pa.array(arr, type=pa.binary()), pa.string())
    if arr.dtype.kind in "iub":
        return pc.cast(pa.array(arr.astype(np.int64)), pa.string())
    return pa.array(arr, type=pa.string())


def cat(*parts: Part) -> pa.Array:
    """Element-wise concatenation of string columns and literal strings (broadcast)."""
    args = [p if isinstance(p, pa.Array | pa.ChunkedArray) else pa.scalar(p, pa.string()) for p in parts]
    if not any(isinstance(a, pa.Array | pa.ChunkedArray) for a in args):
        raise ValueError("cat needs at least one column")
    out = pc.binary_join_element_wise(*args, "")
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def pick(pool: Sequence[str], index: np.ndarray) -> pa.Array:
    """Look up labels by integer code."""
    return pa.array(list(pool), type=pa.string()).take(pa.array(np.asarray(index, np.int64)))


def where(mask: np.ndarray, a: Part, b: Part) -> pa.Array:
    """`a` where mask else `b` (columns or literals)."""
    a = a if isinstance(a, pa.Array | pa.ChunkedArray) else pa.scalar(a, pa.string())
    b = b if isinstance(b, pa.Array | pa.ChunkedArray) else pa.scalar(b, pa.string())
    out = pc.if_else(pa.array(np.asarray(mask, dtype=bool)), a, b)
    if isinstance(out, pa.Scalar):  # both literals: broadcast to the mask length
        out = pa.array([out.as_py()] * len(mask), type=pa.string())
    return out


# --- JSON fragments ---------------------------------------------------------------------
def jstr(values: np.ndarray | Col) -> pa.Array:
    """A JSON string literal per element."""
    return cat('"', col(values), '"')


def jopt_str(values: np.ndarray | Col, present: np.ndarray) -> pa.Array:
    """A JSON string literal, or `null` where not present."""
    return where(present, jstr(values), "null")


def jint(values: np.ndarray) -> pa.Array:
    return col(np.asarray(values, dtype=np.int64))


def jopt_int(values: np.ndarray, present: np.ndarray) -> pa.Array:
    return where(present, jint(values), "null")


def jbool(mask: np.ndarray) -> pa.Array:
    return pick(["false", "true"], np.asarray(mask, dtype=np.int64))


# --- CSV cells --------------------------------------------------------------------------
def csv_quoted(values: np.ndarray | Col) -> pa.Array:
    """A CSV cell always quoted, inner quotes doubled (HubSpot style)."""
    return cat('"', pc.replace_substring(col(values), '"', '""'), '"')


def csv_minimal(values: np.ndarray | Col) -> pa.Array:
    """A CSV cell quoted only when it contains a comma, quote or line break (Excel style)."""
    text = col(values)
    needs = pc.match_substring_regex(text, '[",\\r\\n]')
    return pc.if_else(needs, cat('"', pc.replace_substring(text, '"', '""'), '"'), text)


def csv_line(cells: Sequence[pa.Array]) -> pa.Array:
    """Join rendered cells with commas and end the row with a newline."""
    parts: list[Part] = []
    for i, cell in enumerate(cells):
        if i:
            parts.append(",")
        parts.append(cell)
    parts.append("\n")
    return cat(*parts)


def csv_header(names: Sequence[str], quote_all: bool) -> bytes:
    """The header row: every name quoted (HubSpot) or quoted only when needed."""
    out = []
    for name in names:
        if quote_all or any(c in name for c in '",\r\n'):
            out.append('"' + name.replace('"', '""') + '"')
        else:
            out.append(name)
    return (",".join(out) + "\n").encode("utf-8")


# --- Dates ------------------------------------------------------------------------------
_FIRST_DAY = int(np.datetime64("2015-01-01", "D").astype(np.int64))
_LAST_DAY = int(np.datetime64("2036-12-31", "D").astype(np.int64))


@functools.cache
def _day_table(style: str) -> pa.Array:
    days = np.arange(_FIRST_DAY, _LAST_DAY + 1).astype("datetime64[D]")
    iso = [str(d) for d in days]
    if style == "iso":
        return pa.array(iso, type=pa.string())
    # US: M/D/YYYY
    return pa.array([f"{int(s[5:7])}/{int(s[8:10])}/{s[:4]}" for s in iso], type=pa.string())


@functools.cache
def _time_table(style: str) -> pa.Array:
    if style == "hms":
        return pa.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)], type=pa.string())
    if style == "hm":
        return pa.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)], type=pa.string())
    # US 12-hour clock without leading zero: 9:14 AM
    return pa.array(
        [f"{(m // 60 + 11) % 12 + 1}:{m % 60:02d} {'AM' if m < 720 else 'PM'}" for m in range(1440)],
        type=pa.string(),
    )


def _split(ts: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    ts = np.asarray(ts, dtype=np.int64)
    days = ts // DAY
    if days.size and (days.min() < _FIRST_DAY or days.max() > _LAST_DAY):
        raise ValueError("timestamp outside the supported 2015-2036 range")
    return pa.array(days - _FIRST_DAY), ts - days * DAY


def iso_z(ts: np.ndarray) -> pa.Array:
    """`2024-05-01T13:45:00Z`."""
    day, sec = _split(ts)
    return cat(_day_table("iso").take(day), "T", _time_table("hms").take(pa.array(sec)), "Z")


def hubspot_date(ts: np.ndarray, us_style: np.ndarray) -> pa.Array:
    """`2024-03-12 09:14` or, for US-locale portals, `3/12/2024 9:14 AM`."""
    day, sec = _split(ts)
    minute = pa.array(sec // 60)
    iso = cat(_day_table("iso").take(day), " ", _time_table("hm").take(minute))
    us = cat(_day_table("us").take(day), " ", _time_table("us").take(minute))
    return pc.if_else(pa.array(np.asarray(us_style, dtype=bool)), us, iso)


def zendesk_csv_date(ts: np.ndarray) -> pa.Array:
    """`2024-03-12 09:14:05`: the Zendesk UI CSV export, in the account's time zone (UTC here)."""
    day, sec = _split(ts)
    return cat(_day_table("iso").take(day), " ", _time_table("hms").take(pa.array(sec)))


def lines_bytes(lines: pa.Array) -> bytes:
    """The concatenated UTF-8 of a string array (its values buffer), e.g. rendered lines."""
    if len(lines) == 0:
        return b""
    if lines.null_count:
        raise ValueError("a rendered line is null: a column had a missing value")
    lines = lines.cast(pa.string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    lo, hi = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return memoryview(lines.buffers()[2])[lo:hi].tobytes()


def assemble(parts: Sequence[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """Put separately rendered subsets back in row order: parts are (row indexes, rendered)."""
    if not parts:
        return pa.array([], type=pa.string())
    rows = np.concatenate([p[0] for p in parts])
    rendered = pa.concat_arrays([p[1].cast(pa.string()) for p in parts])
    return rendered.take(pa.array(np.argsort(rows, kind="stable")))

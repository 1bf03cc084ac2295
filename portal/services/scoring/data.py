"""Loading and validating scoring CSVs (CONTRACT.md: a header row, one label column, ``--positive``, ``--id``).

Rules (every refusal is a :class:`BadInput` naming the column, row and value):

- The file must exist, be UTF-8 and have a header and at least one data row; duplicate header names are refused.
- The label column must exist; every row needs a label; it must hold exactly two distinct values, one of which is
  ``positive`` (the "bad" value, default ``1``; ``1`` also matches ``1.0``).
- ``--id`` columns must exist; they are kept aside and never used as features.
- Missing values: an empty cell or one of ``NA``, ``N/A``, ``NaN``, ``nan``, ``null``, ``NULL``, ``None`` (after
  trimming blanks). Missing values are allowed in features: they get a bin of their own.
- A feature column whose non-missing values all parse as finite numbers is **numeric**. A column where at least
  95 % (``NUMERIC_SHARE``) but not all values are numbers is a numeric column with stray text and is refused, naming
  the first offending row and value ("row" is the line number in the file, the header being line 1). A column with
  fewer numeric values is **categorical** and is binned by category. ``inf`` counts as text.
- A categorical column with more than ``max(50, n/2)`` distinct values looks like an identifier and is refused
  (pass it with ``--id``). A column with no value at all is refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from portal.core.errors import BadInput

NUMERIC_SHARE = 0.95
MISSING_TOKENS = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"})


@dataclass
class Dataset:
    """A validated table: features (numeric as float64, categorical as str with NaN), the 0/1 label and id columns."""

    features: pd.DataFrame
    y: np.ndarray
    ids: pd.DataFrame
    label: str
    positive: str
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    sha256: str = ""

    @property
    def rows(self) -> int:
        """Number of data rows."""
        return int(self.y.size)


def read_csv_text(path: str | Path) -> tuple[pd.DataFrame, str]:
    """Read ``path`` as a table of trimmed strings (no type guessing); returns it with the SHA-256 of the bytes."""
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"data file {str(path)!r} does not exist")
    raw = p.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"data file {str(path)!r} is not UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        raise BadInput(f"data file {str(path)!r} is empty")
    header = next(csv.reader(io.StringIO(text)), [])
    seen: set[str] = set()
    for name in header:
        if name.strip() in seen:
            raise BadInput(f"data file {str(path)!r}: column {name.strip()!r} appears twice in the header")
        seen.add(name.strip())
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.ParserError as exc:
        raise BadInput(f"data file {str(path)!r} is not a valid CSV: {str(exc).strip()}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise BadInput(f"data file {str(path)!r} has a header but no data rows")
    return frame, digest


def load_csv(path: str | Path, label: str, positive: str = "1", ids: Sequence[str] = ()) -> Dataset:
    """Read and validate a scoring CSV (see the module docstring for the rules)."""
    frame, digest = read_csv_text(path)
    data = from_text_frame(frame, label, positive, ids)
    data.sha256 = digest
    return data


def _is_missing(col: pd.Series) -> np.ndarray:
    return col.isin(MISSING_TOKENS).to_numpy()


def label_vector(col: pd.Series, label: str, positive: str) -> np.ndarray:
    """The 0/1 label (1 = ``positive``) of a string column; refuses missing labels and anything but two classes."""
    values = col.astype(str).str.strip()
    missing = _is_missing(values)
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 2
        raise BadInput(f"label column {label!r} is empty at row {row}")
    distinct = sorted(values.unique())
    if len(distinct) == 1:
        raise BadInput(f"label column {label!r} holds one class only ({distinct[0]!r}); both classes are needed")
    hit = values == positive
    if not hit.any():
        num = pd.to_numeric(values, errors="coerce")
        try:
            target = float(positive)
        except ValueError:
            target = None
        if target is not None and num.notna().all():
            hit = num == target
    if not hit.any():
        shown = ", ".join(repr(v) for v in distinct[:10])
        raise BadInput(f"positive label value {positive!r} not found in column {label!r} (values: {shown})")
    if len(distinct) > 2:
        shown = ", ".join(repr(v) for v in distinct[:10])
        raise BadInput(f"label column {label!r} must hold two classes, found {len(distinct)}: {shown}")
    return hit.to_numpy().astype(np.int8)


def _feature_column(name: str, col: pd.Series, n: int) -> tuple[pd.Series, bool]:
    values = col.astype(str).str.strip()
    missing = _is_missing(values)
    present = ~missing
    if not present.any():
        raise BadInput(f"column {name!r} has no values")
    num = pd.to_numeric(values.where(present, "nan"), errors="coerce").to_numpy(dtype=np.float64)
    ok = np.isfinite(num) & present
    n_present = int(present.sum())
    n_ok = int(ok.sum())
    if n_ok == n_present:
        return pd.Series(np.where(present, num, np.nan), index=col.index, name=name), True
    if n_ok >= NUMERIC_SHARE * n_present:
        bad = int(np.flatnonzero(present & ~ok)[0])
        raise BadInput(
            f"column {name!r} is numeric ({n_ok} of {n_present} values are numbers) but row {bad + 2} "
            f"holds {values.iloc[bad]!r}"
        )
    distinct = values[present].nunique()
    if distinct > max(50, n // 2):
        raise BadInput(
            f"column {name!r} looks like an identifier ({distinct} distinct text values in {n} rows); "
            f"pass it with --id {name}"
        )
    return values.where(present, np.nan), False


def from_text_frame(frame: pd.DataFrame, label: str, positive: str = "1", ids: Sequence[str] = ()) -> Dataset:
    """Validate a table of strings (as read from a CSV) into a :class:`Dataset`."""
    columns = list(frame.columns)
    if label not in columns:
        raise BadInput(f"label column {label!r} not found; columns are: {', '.join(columns[:30])}")
    for name in ids:
        if name not in columns:
            raise BadInput(f"id column {name!r} not found; columns are: {', '.join(columns[:30])}")
        if name == label:
            raise BadInput(f"column {name!r} cannot be both the label and an id")
    y = label_vector(frame[label], label, str(positive).strip())
    feats: dict[str, pd.Series] = {}
    numeric: list[str] = []
    categorical: list[str] = []
    for name in columns:
        if name == label or name in ids:
            continue
        series, is_num = _feature_column(name, frame[name], len(frame))
        feats[name] = series
        (numeric if is_num else categorical).append(name)
    if not feats:
        raise BadInput("no feature columns left after the label and the id columns")
    features = pd.DataFrame(feats, index=frame.index).reset_index(drop=True)
    return Dataset(
        features=features,
        y=y,
        ids=frame[list(ids)].reset_index(drop=True),
        label=label,
        positive=str(positive),
        numeric=numeric,
        categorical=categorical,
    )


def frame_hash(features: pd.DataFrame, y: np.ndarray) -> str:
    """A SHA-256 of a training table's content (column names, values, labels): the model registry's data hash."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, features.columns)).encode())
    h.update(pd.util.hash_pandas_object(features, index=False).to_numpy().tobytes())
    h.update(np.asarray(y, dtype=np.int8).tobytes())
    return h.hexdigest()

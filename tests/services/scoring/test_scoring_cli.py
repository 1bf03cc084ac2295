"""``portal scoring evaluate``: bad CSVs are refused with a message naming the value, exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import PortalGroup
from portal.cli.scoring import group
from portal.core.errors import BadInput
from portal.services.scoring import data


def _root():
    root = PortalGroup(name="portal")
    root.add_command(group)
    return root


def _csv(tmp_path: Path, text: str, name: str = "d.csv") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _good_rows(n: int = 60, id_prefix: str = "") -> str:
    lines = ["id,x,colour,y"]
    for i in range(n):
        lines.append(f"{id_prefix}{i},{i % 7},{'red' if i % 3 else 'blue'},{1 if i % 4 == 0 else 0}")
    return "\n".join(lines) + "\n"


Y = ["--label", "y"]
YID = ["--label", "y", "--id", "id"]


@pytest.mark.parametrize(
    ("text", "args", "needle"),
    [
        ("", Y, "is empty"),
        ("a,b,y\n", Y, "has a header but no data rows"),
        (_good_rows(), ["--label", "target"], "label column 'target' not found"),
        (_good_rows().replace("\n3,3,", "\n3,3x,", 1), YID, "column 'x' is numeric (59 of 60 values are numbers) "
                                                          "but row 5 holds '3x'"),
        ("x,y\n" + "".join(f"{i},0\n" for i in range(30)), Y, "holds one class only ('0')"),
        (_good_rows(), [*YID, "--positive", "bad"], "positive label value 'bad' not found in column 'y'"),
        (_good_rows(), [*YID, "--id", "nope"], "id column 'nope' not found"),
        (_good_rows(id_prefix="c"), Y, "column 'id' looks like an identifier (60 distinct text values"),
        ("x,y\n1,1\n2,\n", Y, "label column 'y' is empty at row 3"),
        ("x,x,y\n1,2,1\n", Y, "column 'x' appears twice"),
        (_good_rows(), [*YID, "--folds", "1"], "--folds must be at least 2, got 1"),
    ],
)
def test_bad_csv_refused_with_exit_2(tmp_path, text, args, needle):
    path = _csv(tmp_path, text)
    res = CliRunner().invoke(_root(), ["scoring", "evaluate", "--data", path, *args, "--json"])
    assert res.exit_code == 2, res.output
    assert needle in res.stderr
    assert "Traceback" not in res.output + res.stderr
    assert res.stderr.count("\n") == 1


def test_group_raises_bad_input(tmp_path):
    res = CliRunner().invoke(group, ["evaluate", "--data", str(tmp_path / "missing.csv"), "--label", "y"])
    assert isinstance(res.exception, BadInput)
    assert "does not exist" in str(res.exception)


def test_text_column_is_categorical_and_mostly_numeric_is_refused():
    import pandas as pd

    frame = pd.DataFrame({"c": ["a", "b", "a"] * 10, "n": [str(i) for i in range(30)], "y": ["1", "0", "0"] * 10})
    ds = data.from_text_frame(frame, "y")
    assert ds.categorical == ["c"] and ds.numeric == ["n"]
    frame.loc[7, "n"] = "n/a?"
    want = r"column 'n' is numeric \(29 of 30 values are numbers\) but row 9 holds 'n/a\?'"
    with pytest.raises(BadInput, match=want):
        data.from_text_frame(frame, "y")
    frame.loc[7, "n"] = "NA"  # a missing-value token, not text
    assert data.from_text_frame(frame, "y").features["n"].isna().sum() == 1


def test_evaluate_german_json(datasets):
    res = CliRunner().invoke(group, ["evaluate", "--data", str(datasets / "german_credit" / "germancredit.csv"),
                                     "--label", "creditability", "--positive", "bad", "--folds", "3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {"auc", "ks", "gini", "calibration_error", "folds"} <= set(out)
    assert len(out["folds"]) == 3 and out["gini"] == pytest.approx(2 * out["auc"] - 1, abs=1e-5)
    assert out["auc"] > 0.75

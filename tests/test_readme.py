"""The Python examples of README.md run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 3


def test_readme_examples_run():
    namespace = {}
    for block in python_blocks():
        exec(compile(block, str(README), "exec"), namespace)
    # The claims the README makes about its own results.
    assert namespace["S"].shape == (4, 256)
    D = namespace["D"]
    assert D.shape == (4, 4)
    assert (D.diagonal() == 0).all()
    assert D == pytest.approx(namespace["D2"])
    assert namespace["res"].pvalue == 0.01
    assert abs(namespace["fid"]) < 0.01 and abs(namespace["kid"]) < 0.01
    assert namespace["structure"] > 50
    table = namespace["table"]  # the collapsed model (3 of 8 modes) is the worse row
    good, collapsed = table.loc["good"], table.loc["collapsed"]
    for worse_when_higher in ("imd", "fid", "kid"):
        assert collapsed[worse_when_higher] > good[f"{worse_when_higher}_high"]
    for worse_when_lower in ("recall", "coverage", "vendi"):
        assert collapsed[worse_when_lower] < good[f"{worse_when_lower}_low"]
    assert namespace["mf"].shape == (5,)
    assert namespace["path"].length <= namespace["path"].straight_length


def test_readme_quick_start_is_two_commands():
    text = README.read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)
    assert [c.count("\n") for c in commands] == [1, 1]
    assert "sklearn-imd demo" in commands[0]
    assert "pytest" in commands[1]

"""Execute every notebook of examples/ from top to bottom.

Deselect with ``pytest -k "not notebook"``; skipped when nbclient, nbformat
or ipykernel is not installed (they come with the ``doc`` extra).
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")

    # The kernel is a subprocess: let it import this checkout of sklearn_imd.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on failure


def test_notebooks_exist_and_have_no_outputs():
    nbformat = pytest.importorskip("nbformat")
    assert NOTEBOOKS, "examples/ holds no notebook"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{path.name}: saved with outputs"
                assert cell.execution_count is None, f"{path.name}: saved with execution counts"


def test_committed_timings_match_their_script():
    # 08_scaling.ipynb plots examples/scaling_times.json instead of timing at
    # build time; the file must hold the grid that its script measures.
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location(
        "scaling_times", ROOT / "asv_bench" / "scaling_times.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    measured = json.loads((EXAMPLES / "scaling_times.json").read_text(encoding="utf-8"))
    assert measured["command"].startswith("python asv_bench/scaling_times.py")
    assert measured["score"]["sizes"] == script.SIZES
    assert set(measured["score"]["seconds"]) == {"IMD", "FID", "KID"}
    for values in measured["score"]["seconds"].values():
        assert len(values) == len(script.SIZES) and min(values) > 0
    signature = measured["signature"]
    assert (signature["m"], signature["nv"]) == (script.MS, script.NVS)
    seconds = signature["seconds"]
    assert [len(row) for row in seconds] == [len(script.NVS)] * len(script.MS)
    assert min(min(row) for row in seconds) > 0

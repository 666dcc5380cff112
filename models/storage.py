"""Saving and loading SmartTag models.

A model directory holds:
- `encoder/`: the BERT encoder and its tokenizer, a checkpoint another model can start from;
- `heads.safetensors`: the linear n-gram parts (IDF weights, coefficients), the output heads;
- `model.json` (settings, input options, intonation scaling), `labels.json`, `thresholds.json`,
  `metrics.json`, `snapshot.json` (data snapshot id), `versions.json` (library versions);
- `manifest.json`: a SHA-256 of every file, so a damaged file is named on load.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from models.errors import CorruptModelError

FORMAT = "callscope-smarttag"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
LIBRARIES = ("torch", "transformers", "tokenizers", "scikit-learn", "numpy", "pymorphy3", "navec")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_tagger(model, directory: Path) -> Path:
    from models.tagger import INPUT_FILE

    directory.mkdir(parents=True, exist_ok=True)
    network = model.network_
    if network is not None and network.encoder is not None:
        encoder_dir = directory / "encoder"
        network.encoder.save_pretrained(encoder_dir)
        model.tokenizer_.save_pretrained(encoder_dir)
        _write_json(encoder_dir / INPUT_FILE, {"use_lemmas": model.use_lemmas_})
    heads = {
        f"network.{name}": tensor.detach().contiguous()
        for name, tensor in (network.state_dict().items() if network is not None else ())
        if not name.startswith("encoder.")
    }
    for index, part in enumerate(model.linear_):
        for name, value in part.tensors(f"linear{index}").items():
            heads[name] = torch.from_numpy(np.ascontiguousarray(value))
    save_file(heads, str(directory / "heads.safetensors"))
    _write_json(
        directory / "model.json",
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "params": model.get_params(),
            "single_label": bool(model.single_label_),
            "use_lemmas": bool(model.use_lemmas_),
            "typed": bool(model.typed_),
            "max_length": int(model.max_length_),
            "prosody": model.prosody_.state(),
            "network": network is not None,
            "linear": [part.state() for part in model.linear_],
            "blend_weights": [float(w) for w in model.weights_],
            "history": getattr(model, "history_", []),
            "selection": getattr(model, "selection_", {}),
        },
    )
    _write_json(directory / "labels.json", [str(c) for c in model.classes_])
    _write_json(
        directory / "thresholds.json",
        {str(c): float(t) for c, t in zip(model.classes_, model.thresholds_, strict=True)},
    )
    _write_json(directory / "metrics.json", getattr(model, "metrics_", {}))
    _write_json(directory / "snapshot.json", {"data_snapshot_id": model.data_snapshot_id_})
    _write_json(directory / "versions.json", library_versions())
    files = sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.name != MANIFEST
    )
    _write_json(directory / MANIFEST, {name: _sha256(directory / name) for name in files})
    return directory


def _read_json(path: Path):
    if not path.is_file():
        raise CorruptModelError(path, "the file is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorruptModelError(path, f"not valid JSON ({error})") from error


def verify(directory: Path) -> dict:
    """Checks every file against the manifest; returns the manifest."""
    if not directory.is_dir():
        raise CorruptModelError(directory, "the model directory does not exist")
    manifest = _read_json(directory / MANIFEST)
    for name, digest in manifest.items():
        path = directory / name
        if not path.is_file():
            raise CorruptModelError(path, "the file is missing")
        if _sha256(path) != digest:
            raise CorruptModelError(path, "the file is damaged (checksum does not match)")
    return manifest


def read_metadata(directory: Path) -> dict:
    """Labels, thresholds, metrics and snapshot of a saved model, without loading weights."""
    verify(directory)
    return {
        "labels": _read_json(directory / "labels.json"),
        "thresholds": _read_json(directory / "thresholds.json"),
        "metrics": _read_json(directory / "metrics.json"),
        "data_snapshot_id": _read_json(directory / "snapshot.json").get("data_snapshot_id"),
        "versions": _read_json(directory / "versions.json"),
    }


def load_tagger(cls, directory: Path):
    from transformers import AutoTokenizer, BertModel

    from models.features import ProsodyScaler
    from models.linear import LinearPart
    from models.network import TaggerNetwork

    verify(directory)
    info = _read_json(directory / "model.json")
    if info.get("format") != FORMAT or info.get("format_version") != FORMAT_VERSION:
        raise CorruptModelError(directory / "model.json", "not a SmartTag model of this format")
    labels = _read_json(directory / "labels.json")
    thresholds = _read_json(directory / "thresholds.json")
    model = cls(**info["params"])
    model.classes_ = np.array(labels)
    model.single_label_ = info["single_label"]
    model.use_lemmas_, model.typed_ = info["use_lemmas"], info["typed"]
    model.max_length_ = info["max_length"]
    model.history_ = info.get("history", [])
    model.selection_ = info.get("selection", {})
    model.prosody_ = ProsodyScaler.from_state(info["prosody"])
    model.thresholds_ = np.array([thresholds[label] for label in labels], dtype=np.float32)
    model.metrics_ = _read_json(directory / "metrics.json")
    model.data_snapshot_id_ = _read_json(directory / "snapshot.json").get("data_snapshot_id")
    heads_path = directory / "heads.safetensors"
    try:
        heads = load_file(str(heads_path))
    except (SafetensorError, OSError, ValueError) as error:
        raise CorruptModelError(heads_path, f"cannot read the weights ({error})") from error
    model.weights_ = np.asarray(info["blend_weights"], dtype=np.float64)
    model.linear_ = [
        LinearPart.restore(state, heads, f"linear{index}", model.single_label_)
        for index, state in enumerate(info["linear"])
    ]
    encoder, model.tokenizer_ = None, None
    encoder_dir = directory / "encoder"
    if info["network"] and model.use_encoder:
        try:
            encoder = BertModel.from_pretrained(encoder_dir, local_files_only=True)
            model.tokenizer_ = AutoTokenizer.from_pretrained(encoder_dir, local_files_only=True)
        except (OSError, ValueError) as error:
            raise CorruptModelError(encoder_dir, f"cannot read the encoder ({error})") from error
    model.encoder_config_ = encoder.config.to_dict() if encoder is not None else None
    model.network_ = None
    if info["network"]:
        model.network_ = TaggerNetwork(
            encoder, len(model.prosody_.names_), len(labels), info["params"]["dropout"]
        )
        own = {k.removeprefix("network."): v for k, v in heads.items() if k.startswith("network.")}
        missing, unexpected = model.network_.load_state_dict(own, strict=False)
        missing = [name for name in missing if not name.startswith("encoder.")]
        if missing or unexpected:
            raise CorruptModelError(
                heads_path,
                f"weights do not fit the model (missing {missing}, unexpected {unexpected})",
            )
        model.network_.eval()
    return model

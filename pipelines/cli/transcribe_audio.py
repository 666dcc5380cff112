"""`callscope transcribe AUDIO...`: recordings to transcripts with the configured Vosk model."""

from pathlib import Path

import typer

from data.errors import InputError
from data.settings import get_settings
from pipelines.cli.common import emit, run_cli
from speech.recognizer import VoskRecognizer
from speech.transcribe import LAYOUTS, STATUS_ERROR, transcribe_file


def register(app: typer.Typer) -> None:
    @app.command("transcribe")
    @run_cli
    def transcribe(
        audio: list[Path] = typer.Argument(..., help="Recordings: WAV, MP3 or OGG/Opus."),
        layout: str = typer.Option(
            "client-left", "--layout", help="client-left, client-right or mono (one speaker)."
        ),
    ) -> None:
        """One JSON line per recording: status, turns, words and prosody. A broken file gets
        its line with the reason and the others go on; exit 2 only when none could be read."""
        if layout not in LAYOUTS:
            raise InputError("--layout", None, None, f"{layout!r} is not one of {list(LAYOUTS)}")
        settings = get_settings()
        recognizer = VoskRecognizer(settings.vosk_model_path, gate=settings.speech_gating)
        recognizer.check()
        failed = []
        for path in audio:
            line = transcribe_file(path, recognizer, layout)
            emit(line)
            if line["status"] == STATUS_ERROR:
                failed.append(line)
        if len(failed) == len(audio):
            first = failed[0]
            raise InputError(first["file"], None, None, f"no file could be read: {first['reason']}")

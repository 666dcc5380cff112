"""A local SMTP server on 127.0.0.1 that saves every message as an .eml file."""

from __future__ import annotations

import os
from pathlib import Path

from data.settings import get_settings


class _SavingHandler:
    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook name
        self.directory.mkdir(parents=True, exist_ok=True)
        number = len(list(self.directory.glob("*.eml"))) + 1
        (self.directory / f"{number:04d}.eml").write_bytes(envelope.content)
        return "250 OK"


class loopback_smtp:  # used as a context manager
    """The platform's mail settings point at this server while the block runs."""

    def __init__(self, directory: Path):
        self.directory = directory

    def __enter__(self) -> int:
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.controller = Controller(
            _SavingHandler(self.directory), hostname="127.0.0.1", port=port
        )
        self.controller.start()
        self.saved_env = {
            k: os.environ.get(k) for k in ("CALLSCOPE_SMTP_HOST", "CALLSCOPE_SMTP_PORT")
        }
        os.environ["CALLSCOPE_SMTP_HOST"], os.environ["CALLSCOPE_SMTP_PORT"] = (
            "127.0.0.1",
            str(port),
        )
        get_settings.cache_clear()
        return port

    def __exit__(self, *exc) -> None:
        self.controller.stop()
        for key, value in self.saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()

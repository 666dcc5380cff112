"""E-mail to the person who asked for training: the metrics, or why it failed."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from data.settings import get_settings
from models.training import summary_lines


def training_message(
    to: str, account_id: int, *, report: dict | None, promoted: bool, reason: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = get_settings().smtp_sender
    message["To"] = to
    outcome = "ready" if promoted else "not promoted" if report else "failed"
    message["Subject"] = f"SmartTag training for account {account_id}: {outcome}"
    body = [f"SmartTag training for account {account_id} is finished.", "", reason, ""]
    if report:
        body += summary_lines(report)
        if promoted:
            body += ["", "Turn SmartTag on in Settings / Tags / SmartTag to start tagging calls."]
    message.set_content("\n".join(body))
    return message


def send(message: EmailMessage) -> None:
    settings = get_settings()
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        smtp.send_message(message)

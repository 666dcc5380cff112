"""The demo's notifications: before the demo days run, a recorded-call rule is created over the
API (an HTTP request to a local receiver with {{file_link}}, and an e-mail to a local SMTP
server); the nightly asset raises the days' events into the outbox; afterwards the worker code
delivers them and the summary shows the first request, the first e-mail and the recording the
link opens without a token."""

from __future__ import annotations

import email
import email.policy
import json
import os
from urllib.parse import urlsplit

from data.config.store import ConfigStore
from data.notifications.delivery import Policy, settle
from data.notifications.loopback import Mailbox, Receiver
from data.settings import get_settings

HTTP_TEMPLATE = {
    "method": "POST",
    "template": '{"id": {{communication_id}}, "phone": "{{contact_phone_number}}", '
    '"site": "{{site_domain_name}}", "talk_duration": {{talk_duration}}, '
    '"record": "{{file_link}}"}',
}
RULE = {
    "name": "Записанный разговор → CRM и почта",
    "event": "recorded_call",
    "http": HTTP_TEMPLATE,
    "email": {
        "recipients": ["sales@demo.callscope.example"],
        "template": "Записанный разговор с %contact_phone_number% ({{talk_duration}} с, "
        "{{site_domain_name}}).\nЗапись: {{file_link}}",
    },
}
ALLOW = "CALLSCOPE_NOTIFICATIONS_ALLOW_PRIVATE_HOSTS"


class NotificationsDemo:
    def __init__(self) -> None:
        self.receiver: Receiver | None = None
        self.mailbox: Mailbox | None = None
        self.rule_id: int | None = None

    def start(self, summary, token: str) -> NotificationsDemo:
        """Local receivers up and the rule created, before the days are materialized."""
        try:
            os.environ[ALLOW] = "1"  # the receivers are on loopback
            get_settings.cache_clear()
            self.receiver, self.mailbox = Receiver(), Mailbox()
            from fastapi.testclient import TestClient

            from serving.main import create_app

            body = {**RULE, "http": {**HTTP_TEMPLATE, "url": self.receiver.url + "/crm"}}
            with TestClient(create_app()) as api:
                created = api.post(
                    "/api/v1/notifications",
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                )
                created.raise_for_status()
                self.rule_id = created.json()["id"]
        except Exception as error:  # noqa: BLE001 - the demo reports a broken step and carries on
            summary.failed_steps.append(f"notifications: {type(error).__name__}: {error}"[:400])
        return self

    def finish(self, summary) -> None:
        """Delivers what the nightly runs raised and shows it."""
        try:
            receiver, mailbox = self.receiver, self.mailbox
            if receiver is None or mailbox is None or self.rule_id is None:
                return
            settings = get_settings()
            store = ConfigStore(settings.database_url, migrate_schema=False)
            try:
                policy = Policy.from_settings(settings, smtp_port=mailbox.port)
                report = settle(store, policy, seconds=120)
            finally:
                store.dispose()
            summary.notes.append(
                f"notifications: rule {self.rule_id} (recorded call) delivered "
                f"{report.delivered}, failed {report.failed}: {len(receiver.applied)} "
                f"requests to {receiver.url}/crm, {len(mailbox.messages)} e-mails to "
                f"the local SMTP server on port {mailbox.port}"
            )
            if receiver.applied:
                first = next(iter(receiver.applied.values()))
                request = json.loads(first.body)
                summary.notes.append(
                    f"notifications: first HTTP request (Idempotency-Key {first.key}): "
                    + json.dumps(request, ensure_ascii=False)
                )
                links = [json.loads(r.body)["record"] for r in receiver.applied.values()]
                summary.notes.append("notifications: " + self._play(links))
            if mailbox.messages:
                _, rcpt, content = mailbox.messages[0]
                mail = email.message_from_bytes(content, policy=email.policy.default)
                text = mail.get_content().strip().replace("\n", " | ")
                summary.notes.append(
                    f"notifications: first e-mail to {rcpt[0]}: «{mail['Subject']}» {text}"
                )
        except Exception as error:  # noqa: BLE001 - the demo reports a broken step and carries on
            summary.failed_steps.append(f"notifications: {type(error).__name__}: {error}"[:400])
        finally:
            for server in (self.receiver, self.mailbox):
                if server is not None:
                    server.close()
            os.environ.pop(ALLOW, None)
            get_settings.cache_clear()

    @staticmethod
    def _play(links: list[str]) -> str:
        """Opens the links without a token: the demo synthesizes audio for a few calls only."""
        from fastapi.testclient import TestClient

        from serving.main import create_app

        played = []
        with TestClient(create_app()) as api:
            for link in links:
                parts = urlsplit(link)
                response = api.get(f"{parts.path}?{parts.query}")
                played.append(response.status_code)
                if response.status_code == 200:
                    tried = len(played) - 1
                    return (
                        f"{parts.path} opens without a token: HTTP 200, "
                        f"{len(response.content)} bytes of {response.headers.get('content-type')}"
                        + (f" ({tried} earlier calls have no audio file)" if tried else "")
                    )
        return (
            f"none of the {len(links)} links has an audio file behind it (answers "
            f"{sorted(set(played))}); the demo synthesizes audio for --audio-calls calls only"
        )

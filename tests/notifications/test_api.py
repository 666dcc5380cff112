"""Notifications end to end through the API: catalogue, save-time checks, preview, test send,
the nightly raise into real loopback receivers, the signed recording link, the platform's
intake, the delivery log and the rights on a rule's campaigns."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from data.config.store import ConfigStore
from data.notifications.delivery import Policy, settle
from data.notifications.loopback import Behaviour, Mailbox, Receiver
from data.notifications.secrets import intake_signature
from data.notifications.sources import raise_day
from data.warehouse import Warehouse
from serving.access import accounts
from serving.schemas.rights import RightsSpec
from tests.notifications.api_server import ApiServer
from tests.serving.world import DAYS, build

pytestmark = pytest.mark.slow  # two API processes and a world to build

API = "/api/v1/notifications"
FULL = {"view": True, "edit": True, "create": True, "delete": True}
VIEW = {"view": True}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    world = build(tmp_path_factory.mktemp("notify-api"))
    receiver, mailbox = Receiver(), Mailbox()
    settings = world.settings.model_copy(
        update={
            "notifications_allow_private_hosts": True,
            "notifications_secret": "installation-secret",
            "smtp_port": mailbox.port,
            "notifications_sms_url": receiver.url + "/sms",
            "notifications_timeout": 3.0,
        }
    )
    store = ConfigStore(settings.database_url, migrate_schema=False)
    with store.session() as session:
        for login, objects in {
            "notify_a": {"campaigns": [{"campaign_id": 11, **VIEW}]},
            "notify_b": {"campaigns": [{"campaign_id": 21, **VIEW}]},
        }.items():
            user = accounts.create_user(session, login, "test", account_id=1)
            spec = RightsSpec(
                sites=[{"site_id": 1, **VIEW}], **objects, interfaces={"notifications": FULL}
            )
            accounts.save_rights(session, user.rights_set, spec, "test")
            world.tokens[login] = accounts.issue_token(session, user)
    common = {
        "CALLSCOPE_HOME": str(settings.home),
        "CALLSCOPE_CONFIG_URL": settings.database_url,
        "CALLSCOPE_NOTIFICATIONS_SECRET": "installation-secret",
    }
    server = ApiServer(
        {
            **common,
            "CALLSCOPE_NOTIFICATIONS_ALLOW_PRIVATE_HOSTS": "1",
            "CALLSCOPE_SMTP_PORT": str(mailbox.port),
            "CALLSCOPE_NOTIFICATIONS_SMS_URL": receiver.url + "/sms",
            "CALLSCOPE_NOTIFICATIONS_TIMEOUT": "3",
        }
    )
    strict = ApiServer({**common, "CALLSCOPE_NOTIFICATIONS_ALLOW_PRIVATE_HOSTS": "0"})
    try:
        server.wait(), strict.wait()
        with server.client() as client, strict.client() as strict_client:
            client.strict = strict_client
            yield world, settings, store, client, receiver, mailbox
    finally:
        server.close()
        strict.close()
        store.dispose()
        receiver.close()
        mailbox.close()


def auth(world, login="notify_a"):
    return {"Authorization": f"Bearer {world.tokens[login]}"}


def test_the_catalogue_drives_the_hints(env):
    world, _, _, client, _, _ = env
    events = client.get(f"{API}/catalogue", headers=auth(world)).json()
    names = {e["event"] for e in events}
    assert {
        "lost_call",
        "recorded_call",
        "goal",
        "transcript_ready",
        "smarttag_tag_set",
        "number_flagged_spam",
        "answered",
        "call_on_hold",
        "fax_received",
    } <= names
    recorded = client.get(f"{API}/catalogue/recorded_call", headers=auth(world)).json()
    types = {p["name"]: p["type"] for p in recorded["params"]}
    assert recorded["required"] == ["file_link"]
    assert types["talk_duration"] == "integer"
    assert types["contact_phone_number"] == "string"
    assert types["file_link"] == "string"
    assert types["is_lost"] == "boolean"
    assert client.get(f"{API}/catalogue/nothing", headers=auth(world)).status_code == 404


def rule(receiver, **overrides):
    body = {
        "name": "Записанные разговоры",
        "event": "recorded_call",
        "campaign_ids": [11],
        "http": {
            "url": receiver.url + "/crm",
            "method": "POST",
            "template": '{"id": {{communication_id}}, "phone": "%contact_phone_number%", '
            '"link": "{{file_link}}", "talk": {{talk_duration}}}',
        },
        "email": {"recipients": ["boss@okna.ru"], "template": "Запись: {{file_link}}"},
    }
    return body | overrides


def test_save_time_checks_name_the_problem(env):
    world, _settings, _, client, receiver, _ = env
    unknown = rule(receiver, email={"recipients": ["a@b.ru"], "template": "{{file_link}} %nope%"})
    response = client.post(API, json=unknown, headers=auth(world))
    assert response.status_code == 422
    assert "'nope'" in response.text
    no_link = rule(
        receiver, email={"recipients": ["a@b.ru"], "template": "Звонок %communication_id%"}
    )
    response = client.post(API, json=no_link, headers=auth(world))
    assert response.status_code == 422
    assert "{{file_link}}" in response.text
    strict_client = client.strict
    for url in (
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest",
        "http://[::1]/",
    ):
        body = rule(receiver, http={"url": url, "method": "POST"})
        response = strict_client.post(API, json=body, headers=auth(world))
        assert response.status_code == 422, url
        assert "public hosts only" in response.json()["detail"]
    public = rule(receiver, http={"url": "https://crm.okna.ru/hook", "method": "POST"})
    assert strict_client.post(API, json=public, headers=auth(world)).status_code == 201


def test_preview_fills_sample_data(env):
    world, _, _, client, receiver, _ = env
    post = client.post(API, json=rule(receiver), headers=auth(world)).json()
    preview = client.post(f"{API}/{post['id']}/preview", headers=auth(world)).json()
    body = json.loads(preview["http"]["body"])
    assert body["id"] == 1234567
    assert body["talk"] == 48
    assert body["phone"] == "79161234567"
    assert preview["email"][0]["body"].startswith("Запись: https://")
    get = rule(
        receiver,
        http={
            "url": receiver.url + "/in",
            "method": "GET",
            "template": "who=%employee_full_name%&link={{file_link}}",
        },
    )
    created = client.post(API, json=get, headers=auth(world)).json()
    shown = client.post(f"{API}/{created['id']}/preview", headers=auth(world)).json()["http"]
    assert shown["method"] == "GET"
    assert "who=Анна Петрова&link=https://" in shown["url"]


def test_test_send_goes_out_now_over_all_three_channels(env):
    world, _, _, client, receiver, mailbox = env
    body = rule(receiver, sms={"recipients": ["79161234567"], "template": "Запись {{file_link}}"})
    created = client.post(API, json=body, headers=auth(world)).json()
    before_mail, before_http = len(mailbox.messages), len(receiver.applied)
    sent = client.post(f"{API}/{created['id']}/test", headers=auth(world))
    assert sent.status_code == 200, sent.text
    deliveries = sent.json()["deliveries"]
    assert sorted(d["channel"] for d in deliveries) == ["email", "http", "sms"]
    assert {d["status"] for d in deliveries} == {"delivered"}
    assert len(mailbox.messages) == before_mail + 1
    assert len(receiver.applied) == before_http + 2
    log = client.get(f"{API}/{created['id']}/deliveries", headers=auth(world)).json()
    assert {d["id"] for d in log} == {d["id"] for d in deliveries}


def test_a_recorded_call_reaches_the_crm_with_a_link_that_plays_without_a_token(env):
    world, settings, store, client, receiver, _mailbox = env
    receiver.behaviour = Behaviour(fail_first=1)
    created = client.post(API, json=rule(receiver), headers=auth(world)).json()
    raised = raise_day(store, settings, Warehouse(settings.warehouse_dir), DAYS[0])
    assert raise_day(store, settings, Warehouse(settings.warehouse_dir), DAYS[0]).events == 0
    assert raised.deliveries >= 2
    settle(store, Policy.from_settings(settings, backoff_base=0.01), seconds=30)
    receiver.behaviour = Behaviour()
    log = client.get(f"{API}/{created['id']}/deliveries", headers=auth(world)).json()
    http = [d for d in log if d["channel"] == "http"]
    assert http
    assert all(d["status"] == "delivered" and d["attempts"] == 2 for d in http)
    assert all(d["response_code"] == 200 for d in http)
    assert {d["recipient"] for d in log if d["channel"] == "email"} == {"boss@okna.ru"}
    sent = [json.loads(r.body) for r in receiver.applied.values() if r.path == "/crm"]
    sent = [s for s in sent if s["id"] != 1234567]  # not the earlier test send's sample
    # campaign 11 has one call a day (call:1 on the first day), sent by each such rule
    assert sent
    assert {s["id"] for s in sent} == {1}
    mine = sent[0]
    link = urlsplit(mine["link"])
    assert link.path == "/api/v1/recording-links/call:1"
    played = client.get(f"{link.path}?{link.query}")
    assert played.status_code == 200
    assert played.content.startswith(b"RIFF")
    query = parse_qs(link.query)
    other = client.get(f"/api/v1/recording-links/call:7?{link.query}")
    assert other.status_code == 403  # the signature is for call:1 only
    expired = client.get(f"{link.path}?expires=1000&signature={query['signature'][0]}")
    assert expired.status_code == 403
    as_token = {"Authorization": f"Bearer {query['signature'][0]}"}
    assert client.get("/api/v1/communications", headers=as_token).status_code == 401


def test_the_platform_posts_telephony_events_signed(env):
    world, settings, store, client, receiver, _ = env
    created = client.post(
        API,
        json={
            "name": "Трубку подняли",
            "event": "answered",
            "site_ids": [1],
            "campaign_ids": [11],
            "http": {
                "url": receiver.url + "/answered",
                "method": "POST",
                "template": '{"call": {{call_session_id}}, "who": "{{employee_full_name}}"}',
            },
            "condition_groups": [
                [{"field": "virtual_phone_number", "operator": "equals", "values": ["74951112233"]}]
            ],
        },
        headers=auth(world),
    )
    assert created.status_code == 201, created.text

    def post(event_id, number="74951112233", signature=None, **params):
        body = json.dumps(
            {
                "event": "answered",
                "event_id": event_id,
                "account_id": 1,
                "occurred_at": "2026-05-04T12:00:00+03:00",
                "params": {
                    "call_session_id": 42,
                    "employee_full_name": "Анна",
                    "site_id": 1,
                    "campaign_id": 11,
                    "virtual_phone_number": number,
                    **params,
                },
            }
        ).encode()
        headers = {
            "X-Callscope-Signature": signature or intake_signature(settings, body),
            "Content-Type": "application/json",
        }
        return client.post(f"{API}/intake", content=body, headers=headers)

    first = post("p-1")
    assert first.status_code == 202
    assert first.json() == {"raised": True, "deliveries": 1}
    assert post("p-1").json() == {"raised": False, "deliveries": 0}
    assert post("p-2", number="74950000000").json() == {"raised": True, "deliveries": 0}
    assert post("p-3", signature="sha256=" + "0" * 64).status_code == 401
    assert post("p-4", fax_pages=3).status_code == 422
    settle(store, Policy.from_settings(settings), seconds=30)
    got = [json.loads(r.body) for r in receiver.applied.values() if r.path == "/answered"]
    assert got == [{"call": 42, "who": "Анна"}]


def test_another_agency_sees_neither_the_rule_nor_its_log(env):
    world, _, _, client, receiver, _ = env
    created = client.post(API, json=rule(receiver), headers=auth(world)).json()
    for method, suffix in (("get", "/deliveries"), ("post", "/preview"), ("post", "/test")):
        response = client.request(
            method, f"{API}/{created['id']}{suffix}", headers=auth(world, "notify_b")
        )
        assert response.status_code == 404, suffix
    assert client.get(f"{API}/{created['id']}/deliveries", headers=auth(world)).status_code == 200

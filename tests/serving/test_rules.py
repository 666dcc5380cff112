"""Autotag and transcription rules through the API: validation, versions, on/off and the cost
preview."""

from tests.serving.conftest import auth

RULE = {
    "id": "mortgage-1",
    "speaker": "client",
    "communication_types": ["call", "chat"],
    "conditions": [
        {"op": "contains_any", "keywords": ["ипотека", "первоначальный взнос"]},
        {"op": "not_contains_any", "keywords": ["отказ"]},
    ],
}


def test_autotag_rules_are_saved_versioned_and_listed(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    saved = mutable_client.put(
        "/api/v1/autotag-rules/Ипотека", json={"rules": [RULE]}, headers=admin
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["rules"][0]["conditions"][0]["keywords"] == [
        "ипотека",
        "первоначальный взнос",
    ]
    switched_off = mutable_client.put(
        "/api/v1/autotag-rules/Ипотека", json={"rules": [{**RULE, "enabled": False}]}, headers=admin
    )
    assert switched_off.json()["rules"][0]["enabled"] is False
    history = mutable_client.get("/api/v1/autotag-rules/Ипотека/history", headers=admin).json()
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["valid_to"] == history[1]["valid_from"]
    listed = mutable_client.get("/api/v1/autotag-rules", headers=admin).json()
    assert [t["tag"] for t in listed] == ["Ипотека"]
    assert mutable_client.delete("/api/v1/autotag-rules/Ипотека", headers=admin).status_code == 204
    assert mutable_client.get("/api/v1/autotag-rules/Ипотека", headers=admin).json()["rules"] == []


def test_bad_autotag_rules_are_422_naming_the_field(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    bad_op = {**RULE, "conditions": [{"op": "contains_some", "keywords": ["x"]}]}
    response = mutable_client.put(
        "/api/v1/autotag-rules/Ипотека", json={"rules": [bad_op]}, headers=admin
    )
    assert response.status_code == 422
    assert "op" in response.text
    no_words = {**RULE, "conditions": [{"op": "contains_any", "keywords": ["!!!"]}]}
    response = mutable_client.put(
        "/api/v1/autotag-rules/Ипотека", json={"rules": [no_words]}, headers=admin
    )
    assert response.status_code == 422
    duplicate = mutable_client.put(
        "/api/v1/autotag-rules/Ипотека", json={"rules": [RULE, RULE]}, headers=admin
    )
    assert duplicate.status_code == 422
    system = mutable_client.put("/api/v1/autotag-rules/Спам", json={"rules": [RULE]}, headers=admin)
    assert system.status_code == 422
    unknown = mutable_client.put(
        "/api/v1/autotag-rules/Нет такого", json={"rules": [RULE]}, headers=admin
    )
    assert unknown.status_code == 422


def test_rules_need_their_interface_right(mutable_client, mutable_world):
    a = auth(mutable_world, "agency_a")
    assert mutable_client.get("/api/v1/autotag-rules", headers=a).status_code == 403
    assert mutable_client.get("/api/v1/transcription-rules", headers=a).status_code == 403
    preview = mutable_client.post(
        "/api/v1/transcription-rules/cost-preview",
        json={"date_from": "2026-05-01T00:00:00", "date_till": "2026-05-03T23:59:59"},
        headers=a,
    )
    assert preview.status_code == 403


def test_transcription_rule_on_off_keeps_history(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    created = mutable_client.put(
        "/api/v1/transcription-rules/t1", json={"campaign_ids": [11, 21]}, headers=admin
    )
    assert created.status_code == 200
    assert created.json()["history"][0]["enabled"] is True
    off = mutable_client.patch(
        "/api/v1/transcription-rules/t1", json={"enabled": False}, headers=admin
    )
    assert [step["enabled"] for step in off.json()["history"]] == [True, False]
    on = mutable_client.patch(
        "/api/v1/transcription-rules/t1", json={"enabled": True}, headers=admin
    )
    assert [step["enabled"] for step in on.json()["history"]] == [True, False, True]
    versions = mutable_client.get("/api/v1/transcription-rules/t1/history", headers=admin).json()
    assert len(versions) == 3
    assert versions[-1]["valid_to"] is None
    bad = mutable_client.put(
        "/api/v1/transcription-rules/t2", json={"campaign_ids": ["x"]}, headers=admin
    )
    assert bad.status_code == 422
    assert (
        mutable_client.patch(
            "/api/v1/transcription-rules/none", json={"enabled": True}, headers=admin
        ).status_code
        == 404
    )


def test_cost_preview_counts_selected_calls_and_minutes(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    period = {"date_from": "2026-05-01T00:00:00", "date_till": "2026-05-03T23:59:59"}
    proposed = mutable_client.post(
        "/api/v1/transcription-rules/cost-preview",
        json={**period, "rules": [{"campaign_ids": [21, 23]}]},
        headers=admin,
    ).json()
    # one call per campaign per day, each two minutes long
    assert proposed["calls"] == 21
    assert proposed["selected_calls"] == 6
    assert proposed["audio_minutes"] == 12.0
    assert proposed["cost"] == round(12.0 * proposed["price_per_minute"], 2)
    nothing = mutable_client.post(
        "/api/v1/transcription-rules/cost-preview",
        json={**period, "rules": [{"campaign_ids": [21], "enabled": False}]},
        headers=admin,
    ).json()
    assert nothing["selected_calls"] == 0
    too_long = mutable_client.post(
        "/api/v1/transcription-rules/cost-preview",
        json={"date_from": "2026-01-01T00:00:00", "date_till": "2026-12-31T00:00:00"},
        headers=admin,
    )
    assert too_long.status_code == 422


def test_cost_preview_counts_only_visible_calls(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    role = mutable_client.post(
        "/api/v1/roles",
        json={
            "name": "Расшифровка",
            "member_ids": [mutable_world.user_ids["agency_b"]],
            "rights": {"interfaces": {"transcription": {"view": True}}},
        },
        headers=admin,
    )
    assert role.status_code == 201
    preview = mutable_client.post(
        "/api/v1/transcription-rules/cost-preview",
        json={
            "date_from": "2026-05-01T00:00:00",
            "date_till": "2026-05-03T23:59:59",
            "rules": [{}],
        },
        headers=auth(mutable_world, "agency_b"),
    ).json()
    # B sees calls of campaigns 21-23 and of site 2 without a campaign: 4 per day
    assert preview["calls"] == 12
    assert preview["selected_calls"] == 12

"""Templates: both parameter spellings, typed JSON that stays JSON, RFC 3986 query strings."""

import json

import pytest

from data.notifications import templates

VALUES = {
    "communication_id": 17,
    "contact_phone_number": "79161234567",
    "text": 'Он сказал: "привет"\nи ушёл \\ & = ?',
    "tag_names": ["Целевой", "Ипотека"],
    "is_lost": False,
    "campaign_name": None,
}


def test_both_spellings_fill_and_are_listed():
    template = "Звонок {{ contact_phone_number }} (%communication_id%), %text%"
    assert templates.names(template) == ["contact_phone_number", "communication_id", "text"]
    assert templates.fill_text(template, VALUES).startswith("Звонок 79161234567 (17), Он")
    # a percent-encoded sequence in a URL is not a parameter
    assert templates.names("a=%20b&c={{text}}") == ["text"]


def test_json_keeps_types_and_escapes_strings():
    template = (
        '{"id": {{communication_id}}, "id_text": "{{communication_id}}", "said": "%text%", '
        '"tags": {{tag_names}}, "lost": {{is_lost}}, "campaign": {{campaign_name}}, '
        '"mixed": "№ {{communication_id}} — {{text}}"}'
    )
    filled = json.loads(templates.fill_json(template, VALUES))
    assert filled == {
        "id": 17,
        "id_text": "17",
        "said": VALUES["text"],
        "tags": ["Целевой", "Ипотека"],
        "lost": False,
        "campaign": None,
        "mixed": f"№ 17 — {VALUES['text']}",
    }


def test_a_malformed_json_template_is_an_error():
    with pytest.raises(templates.TemplateError):
        templates.fill_json('{"id": {{communication_id}}', VALUES)


def test_query_string_is_rfc3986_and_previewed_decoded():
    request = templates.render_http(
        "GET", "https://crm.example/in?x=1", "n=%contact_phone_number%&t={{text}}", VALUES, []
    )
    query = request["url"].split("?", 1)[1]
    assert query.startswith("x=1&n=79161234567&t=")
    encoded = query.split("t=", 1)[1]
    assert set(encoded) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%"
    )
    assert "%20" in encoded
    assert "+" not in encoded
    assert "%26" in encoded
    assert "%3D" in encoded
    assert request["preview"].endswith("t=" + VALUES["text"])


def test_get_with_a_json_template_sends_its_keys_as_query_parameters():
    request = templates.render_http(
        "GET",
        "https://crm.example/in",
        '{"id": {{communication_id}}, "tags": {{tag_names}}}',
        VALUES,
        [],
    )
    assert request["preview"] == 'https://crm.example/in?id=17&tags=["Целевой", "Ипотека"]'

"""`callscope autotag` round trip on the open formats of INTERFACES.md §1."""

import json

import pytest
import typer
from typer.testing import CliRunner

from pipelines.cli import autotag

RULES = [
    {
        "tag": "Ипотека",
        "rules": [
            {
                "id": "r1",
                "enabled": True,
                "communication_types": ["call", "chat"],
                "site_ids": None,
                "speaker": "client",
                "conditions": [
                    {"op": "contains_any", "keywords": ["ипотека", "первоначальный взнос"]},
                    {"op": "not_contains_any", "keywords": ["отказ"]},
                ],
            }
        ],
    },
    {
        "tag": "Заявка с сайта",
        "rules": [
            {
                "id": "lead",
                "communication_types": ["offline_message"],
                "conditions": [{"op": "contains_all", "keywords": ["перезвонить"]}],
            }
        ],
    },
]

COMMS = [
    {
        "id": "c1",
        "communication_type": "call",
        "site_id": 1,
        "date_time": "2026-05-01 10:00:00",
        "turns": [
            {
                "speaker": "client",
                "text": "Хотим ипотеку с первоначальным взносом",
                "start": 0.0,
                "end": 2.1,
            },
            {"speaker": "employee", "text": "Конечно", "start": 2.3, "end": 5.0},
        ],
    },
    {
        "id": "c2",
        "communication_type": "call",
        "site_id": 1,
        "date_time": "2026-05-01 10:05:00",
        "turns": [
            {"speaker": "employee", "text": "Ипотека у нас выгодная", "start": 0.0, "end": 2.0}
        ],
    },
    {
        "id": "c3",
        "communication_type": "chat",
        "site_id": 2,
        "date_time": "2026-05-01 11:00:00",
        "turns": [
            {"speaker": "visitor", "text": "Ипотеку одобрят?"},
            {"speaker": "operator", "text": "Да"},
        ],
    },
    {
        "id": "c4",
        "communication_type": "chat",
        "site_id": 2,
        "date_time": "2026-05-01 11:00:00",
        "turns": [{"speaker": "visitor", "text": "Ипотека, но банк дал отказ"}],
    },
    {
        "id": 5,
        "communication_type": "offline_message",
        "site_id": 3,
        "date_time": "2026-05-01 12:00:00",
        "text": "Прошу перезвонить мне",
    },
    {
        "id": "c6",
        "communication_type": "call",
        "site_id": 1,
        "date_time": "2026-05-01 12:00:00",
        "turns": [],
    },
]


@pytest.fixture
def app():
    application = typer.Typer()
    autotag.register(application)

    @application.command("version")
    def version():  # a second command keeps `autotag` a named sub-command
        pass

    return application


def _write(tmp_path, rules=RULES, comms=COMMS, comms_text=None):
    rules_path = tmp_path / "rules.json"
    rules_path.write_text(json.dumps(rules, ensure_ascii=False, indent=2), encoding="utf-8")
    comms_path = tmp_path / "comms.jsonl"
    text = (
        comms_text
        if comms_text is not None
        else "\n".join(json.dumps(c, ensure_ascii=False) for c in comms)
    )
    comms_path.write_text(text + "\n", encoding="utf-8")
    return rules_path, comms_path


def _run(app, rules_path, comms_path):
    args = ["autotag", "--rules", str(rules_path), "--communications", str(comms_path)]
    return CliRunner().invoke(app, args)


def test_round_trip(app, tmp_path):
    result = _run(app, *_write(tmp_path))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["communication_id"], x["tag"], x["rule_id"]) for x in lines] == [
        ("c1", "Ипотека", "r1"),
        ("c3", "Ипотека", "r1"),
        ("5", "Заявка с сайта", "lead"),
    ]
    first = lines[0]["evidence"]
    assert {(e["words"], e["speaker"], e["turn"]) for e in first} == {
        ("ипотеку", "client", 0),
        ("первоначальным взносом", "client", 0),
    }
    assert set(first[0]) >= {"keyword", "words", "speaker", "turn", "start", "end"}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r[0]["rules"][0]["conditions"][0].update(op="contains"),
            ":6: field [0].rules[0].conditions[0].op: rule 'r1'",
        ),
        (
            lambda r: r[0]["rules"][0]["conditions"][0].update(keywords=[]),
            ":6: field [0].rules[0].conditions[0].keywords: rule 'r1'",
        ),
        (
            lambda r: r[1]["rules"][0].update(speaker="manager"),
            ":36: field [1].rules[0].speaker: rule 'lead'",
        ),
        (lambda r: r[0]["rules"][0].update(color="red"), ":6: field [0].rules[0].color: rule 'r1'"),
    ],
)
def test_bad_rules_exit_2_naming_file_line_field(app, tmp_path, mutate, expected):
    rules = json.loads(json.dumps(RULES))
    mutate(rules)
    rules_path, comms_path = _write(tmp_path, rules=rules)
    result = _run(app, rules_path, comms_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert str(rules_path) + expected in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"id": "x", "communication_type": "fax", "turns": []}', "field communication_type"),
        (
            '{"id": "x", "communication_type": "call", "turns": [{"speaker": "boss", "text": "a"}]}',
            "field turns[0].speaker",
        ),
        (
            '{"id": "x", "communication_type": "call", "turns": [{"speaker": "client", "text": 5}]}',
            "field turns[0].text",
        ),
        ('{"id": "x", "communication_type": "call", "text": "a"}', "field text"),
        ('{"communication_type": "call", "turns": []}', "field id"),
        (
            '{"id": "x", "communication_type": "call", "date_time": "01.05.2026", "turns": []}',
            "field date_time",
        ),
        ('{"id": "x", "communication_type": "call", "turns": [}', "invalid JSON"),
    ],
)
def test_bad_communication_line_exits_2_and_prints_nothing(app, tmp_path, line, expected):
    good = json.dumps(COMMS[0], ensure_ascii=False)
    rules_path, comms_path = _write(tmp_path, comms_text=f"{good}\n\n{line}")
    result = _run(app, rules_path, comms_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().startswith(f"error: {comms_path}:3:")
    assert expected in result.stderr


def test_missing_file(app, tmp_path):
    rules_path, _ = _write(tmp_path)
    result = _run(app, rules_path, tmp_path / "absent.jsonl")
    assert result.exit_code == 2
    assert "absent.jsonl" in result.stderr


def test_registered_in_the_callscope_app(tmp_path):
    from pipelines.cli.main import app as callscope

    result = _run(callscope, *_write(tmp_path))
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3

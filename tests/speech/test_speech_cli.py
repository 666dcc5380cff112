"""`callscope transcribe-select` on open formats, exactly as INTERFACES.md §2."""

import json

import pytest
import typer
from typer.testing import CliRunner

from pipelines.cli import transcribe

RULES = [
    {
        "id": "t1",
        "virtual_phone_numbers": ["74951234567"],
        "employee_ids": None,
        "employee_group_ids": None,
        "site_ids": None,
        "campaign_ids": [12, 13],
        "history": [
            {"from": "2026-05-01 00:00:00", "enabled": True},
            {"from": "2026-05-03 14:00:00", "enabled": False},
            {"from": "2026-05-03 16:00:00", "enabled": True},
        ],
    },
    {
        "id": "t2",
        "virtual_phone_numbers": None,
        "employee_ids": [7],
        "employee_group_ids": None,
        "site_ids": [3],
        "campaign_ids": None,
        "history": [{"from": "2026-05-01 00:00:00", "enabled": True}],
    },
]


def call(id, at, number="74951234567", campaign=12, site=1, employees=(5,), **extra):
    return {"id": id, "start_time": at, "virtual_phone_number": number, "site_id": site,
            "campaign_id": campaign, "employee_ids": list(employees), "employee_group_ids": [], **extra}  # fmt: skip


CALLS = [
    call(1, "2026-05-03 13:59:00", talk_duration=120),
    call(2, "2026-05-03 15:00:00", talk_duration=60),  # t1 off
    call(3, "2026-05-03 16:30:00", talk_duration=90),
    call(
        4, "2026-05-03 15:00:00", number="74950000000", site=3, employees=(7, 8), talk_duration=30
    ),
    call(5, "2026-05-03 15:00:00", number="74950000000", site=3, employees=(8,), talk_duration=45),
]


@pytest.fixture
def app():
    cli = typer.Typer()
    cli.callback()(lambda: None)
    transcribe.register(cli)
    return cli


def run(app, tmp_path, rules, calls_text):
    (tmp_path / "rules.json").write_text(
        rules if isinstance(rules, str) else json.dumps(rules, indent=2)
    )
    (tmp_path / "calls.jsonl").write_text(calls_text)
    return CliRunner().invoke(
        app,
        [
            "transcribe-select",
            "--rules",
            str(tmp_path / "rules.json"),
            "--calls",
            str(tmp_path / "calls.jsonl"),
        ],
    )


def jsonl(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def test_selection_as_of_call_time_with_summary_and_minutes(app, tmp_path):
    result = run(app, tmp_path, RULES, jsonl(CALLS))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[:-1] == [{"call_id": 1, "rule_id": "t1"}, {"call_id": 3, "rule_id": "t1"},
                          {"call_id": 4, "rule_id": "t2"}]  # fmt: skip
    assert lines[-1] == {"summary": {"selected": 3, "calls": 5, "audio_minutes": 4.0}}


def test_no_rules_select_nothing(app, tmp_path):
    calls = [{k: v for k, v in c.items() if k != "talk_duration"} for c in CALLS]
    result = run(app, tmp_path, [], jsonl(calls))
    assert result.exit_code == 0
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"summary": {"selected": 0, "calls": 5}}
    ]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"id": 9, "start_time": "03.05.2026 10:00"}, "start_time"),
        ({"id": 9}, "start_time"),
        ({"start_time": "2026-05-03 10:00:00"}, "id"),
        ({"id": 9, "start_time": "2026-05-03 10:00:00", "employee_ids": "5"}, "employee_ids"),
        ({"id": 9, "start_time": "2026-05-03 10:00:00", "site_id": "one"}, "site_id"),
        ({"id": 9, "start_time": "2026-05-03 10:00:00", "talk_duration": -3}, "talk_duration"),
    ],
)
def test_bad_call_line_exits_2_naming_file_line_and_field(app, tmp_path, line, field):
    result = run(app, tmp_path, RULES, jsonl([CALLS[0], line]))
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert result.stdout == ""  # nothing is printed from input that turned out bad
    assert f"calls.jsonl:2: field {field}:" in message


def test_bad_json_line_is_reported(app, tmp_path):
    result = run(app, tmp_path, RULES, jsonl(CALLS[:1]) + "{not json\n")
    assert result.exit_code == 2
    assert "calls.jsonl:2:" in result.stderr


def test_bad_rule_names_its_line_and_field(app, tmp_path):
    rules = json.loads(json.dumps(RULES))
    rules[1]["history"][0]["enabled"] = "yes"
    result = run(app, tmp_path, rules, jsonl(CALLS))
    assert result.exit_code == 2
    text = json.dumps(rules, indent=2)
    rule_line = text[: text.index('"id": "t2"')].count("\n")  # the line of the rule's "{"
    assert f"rules.json:{rule_line}: field history[0].enabled:" in result.stderr.strip()


def test_rules_that_are_not_json(app, tmp_path):
    result = run(app, tmp_path, '[{"id": "t1",\n oops}]', jsonl(CALLS))
    assert result.exit_code == 2
    assert "rules.json:2:" in result.stderr

"""The landed tables. Field names follow the CoMagic Data API v2.0 so real exports load as is."""

from data.contracts.base import Check, Contract, Field
from data.recordings import NOT_AN_ID, RECORDING_ID

_TRAFFIC = (
    Field("channel", "str"),
    Field("utm_source", "str"),
    Field("utm_medium", "str"),
    Field("utm_campaign", "str"),
    Field("utm_term", "str"),
    Field("utm_content", "str"),
    Field("referrer", "str"),
    Field("entrance_page", "str"),
)

CALLS = Contract(
    table="calls",
    description="Calls with their legs, employees and recordings (get.calls_report).",
    key=("id",),
    time_field="start_time",
    fields=(
        Field("id", "int", required=True),
        Field("start_time", "datetime", required=True),
        Field("finish_time", "datetime"),
        Field("direction", "str"),
        Field("is_lost", "bool", required=True),
        Field("finish_reason", "str"),
        Field("source", "str"),
        Field("virtual_phone_number", "str"),
        Field("contact_phone_number", "str"),
        Field("site_id", "int", required=True),
        Field("campaign_id", "int"),
        Field("visitor_id", "int"),
        Field("visitor_session_id", "int"),
        Field("wait_duration", "int", min_value=0),
        Field("talk_duration", "int", required=True, min_value=0),
        Field("total_duration", "int", required=True, min_value=0),
        Field(
            "employees",
            "json",
            description="[{employee_id, employee_full_name, is_answered, is_talked}]",
        ),
        Field("employee_ids", "int_list"),
        Field("employee_group_ids", "int_list"),
        Field(
            "legs", "json", description="[{leg_id, employee_id, start_time, duration, is_talked}]"
        ),
        Field("call_records", "str_list", description="Recording ids; files live in recordings/."),
        Field("is_stereo", "bool", description="Whether the recording keeps the two legs apart."),
        *_TRAFFIC,
    ),
    checks=(
        Check("finish_time < start_time", "impossible time: finish_time before start_time"),
        Check("talk_duration > total_duration", "talk_duration exceeds total_duration"),
        Check(
            f"len(list_filter(call_records, r -> NOT regexp_full_match(r, '{RECORDING_ID}'))) > 0",
            f"field call_records: {NOT_AN_ID}",
        ),
        Check(
            "direction NOT IN ('in', 'out')", "field direction: unknown value, expected in or out"
        ),
    ),
)

CHATS = Contract(
    table="chats",
    description="Chats with their messages; source visitor is the client, operator the employee.",
    key=("id",),
    time_field="date_time",
    fields=(
        Field("id", "int", required=True),
        Field("date_time", "datetime", required=True),
        Field("status", "str"),
        Field("site_id", "int", required=True),
        Field("campaign_id", "int"),
        Field("visitor_id", "int"),
        Field("visitor_session_id", "int"),
        Field("employee_id", "int"),
        Field("duration", "int", min_value=0),
        Field(
            "messages",
            "json",
            required=True,
            description="[{date_time, source, text, employee_id}]",
        ),
        *_TRAFFIC,
    ),
)

OFFLINE_MESSAGES = Contract(
    table="offline_messages",
    description="Leads (offline messages) from site forms; the text is the client's.",
    key=("id",),
    time_field="date_time",
    fields=(
        Field("id", "int", required=True),
        Field("date_time", "datetime", required=True),
        Field("site_id", "int", required=True),
        Field("campaign_id", "int"),
        Field("visitor_id", "int"),
        Field("visitor_session_id", "int"),
        Field("form_type", "str"),
        Field("form_name", "str"),
        Field("status", "str"),
        Field("text", "str"),
        Field("visitor_name", "str"),
        Field("visitor_phone_number", "str"),
        Field("visitor_email", "str"),
        *_TRAFFIC,
    ),
)

VISITOR_SESSIONS = Contract(
    table="visitor_sessions",
    description="Visits: touchpoints with channel, campaign, utm, referrer and entrance page.",
    key=("visitor_session_id",),
    time_field="date_time",
    fields=(
        Field("visitor_session_id", "int", required=True),
        Field("visitor_id", "int", required=True),
        Field("date_time", "datetime", required=True),
        Field("site_id", "int", required=True),
        Field("site_domain_name", "str"),
        Field("campaign_id", "int"),
        Field("search_engine", "str"),
        Field("visitor_device", "str"),
        *_TRAFFIC,
    ),
)

DEALS = Contract(
    table="deals",
    description="CRM deals linked to a communication or a visitor.",
    key=("id",),
    time_field="date_time",
    fields=(
        Field("id", "int", required=True),
        Field("date_time", "datetime", required=True, description="When the deal was created."),
        Field("closed_at", "datetime"),
        Field("amount", "float", required=True, min_value=0),
        Field("stage", "str"),
        Field("funnel", "str"),
        Field("status", "str", description="open, won or lost"),
        Field("site_id", "int", required=True),
        Field("communication_id", "str", description="e.g. call:123"),
        Field("visitor_id", "int"),
    ),
    checks=(Check("closed_at < date_time", "impossible time: closed_at before date_time"),),
)

AD_COSTS = Contract(
    table="ad_costs",
    description="Daily ad costs per campaign (get.campaign_daily_stat).",
    key=("date", "campaign_id"),
    time_field="date",
    fields=(
        Field("date", "date", required=True),
        Field("campaign_id", "int", required=True),
        Field("site_id", "int", required=True),
        Field("cost_sum", "float", required=True, min_value=0),
        Field("shows_count", "int", min_value=0),
        Field("clicks_count", "int", min_value=0),
    ),
)

INCOMING_CALLS = Contract(
    table="incoming_calls",
    description="The platform-wide log of incoming calls across every account; antispam reads it.",
    key=(),
    time_field="start_time",
    site_field=None,
    fields=(
        Field("start_time", "datetime", required=True),
        Field("contact_phone_number", "str", required=True),
        Field("account_id", "int", required=True),
        Field("virtual_phone_number", "str", required=True),
        Field("talk_duration", "int", required=True, min_value=0),
        Field("total_duration", "int", required=True, min_value=0),
        Field("is_lost", "bool", required=True),
    ),
)

CONTRACTS: dict[str, Contract] = {
    c.table: c
    for c in (CALLS, CHATS, OFFLINE_MESSAGES, VISITOR_SESSIONS, DEALS, AD_COSTS, INCOMING_CALLS)
}


def contract_for(table: str) -> Contract:
    try:
        return CONTRACTS[table]
    except KeyError:
        raise KeyError(f"no contract for table {table!r}; known: {sorted(CONTRACTS)}") from None

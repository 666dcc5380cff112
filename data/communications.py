"""Unifies calls, chats and leads into one ``communications`` table with the CoMagic attributes.

- primary: the contact's first communication on the site;
- lost: a call nobody answered, a chat no operator answered;
- target: an answered call at least the site's target-call minimum long, an answered chat with
  a visitor message, a lead with text;
- repeat (CoMagic's ``rest``): a target communication of the same type from the same contact
  within the site's repeat-contact period (``second_communication_period`` days).

The site's settings are the version in force at the communication's start (settings history),
so a threshold changed today changes the facts of communications from then on only.

The contact is the visitor when known, else the phone number. Attributes of day D look back
over every earlier partition, so a day's result does not depend on which days ran before it.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pyarrow as pa

from data.warehouse import Warehouse

COMMUNICATION_SOURCES = ("calls", "chats", "offline_messages")

_CHAT_MESSAGE_TYPE = '[{"date_time": "VARCHAR", "source": "VARCHAR", "text": "VARCHAR"}]'

_UNIFIED = {
    "calls": """
        SELECT 'call' AS communication_type, id, start_time AS date_time,
               coalesce(finish_time, start_time + to_seconds(total_duration)) AS finish_time,
               total_duration AS duration, talk_duration, is_lost, site_id, campaign_id, visitor_id,
               contact_phone_number, virtual_phone_number, employee_ids, employee_group_ids,
               call_records, coalesce(is_stereo, false) AS is_stereo, '[]' AS turns,
               channel, utm_source, utm_medium, utm_campaign
        FROM {src}""",
    "chats": """
        SELECT 'chat' AS communication_type, id, date_time,
               date_time + to_seconds(coalesce(duration, 0)) AS finish_time,
               duration, duration AS talk_duration,
               coalesce(status IN ('lost', 'missed', 'not_answered'), false)
                 OR len(list_filter(msgs, m -> m.source = 'operator')) = 0 AS is_lost,
               site_id, campaign_id, visitor_id, NULL::VARCHAR AS contact_phone_number,
               NULL::VARCHAR AS virtual_phone_number,
               CASE WHEN employee_id IS NULL THEN []::BIGINT[] ELSE [employee_id] END AS employee_ids,
               []::BIGINT[] AS employee_group_ids, []::VARCHAR[] AS call_records, false AS is_stereo,
               CAST(to_json(list_transform(msgs, m -> {{
                   'speaker': CASE m.source WHEN 'visitor' THEN 'client' WHEN 'operator' THEN 'employee'
                                   ELSE 'unknown' END,
                   'text': coalesce(m.text, ''),
                   'start': coalesce(date_diff('second', date_time, TRY_CAST(m.date_time AS TIMESTAMP)), 0),
                   'end': coalesce(date_diff('second', date_time, TRY_CAST(m.date_time AS TIMESTAMP)), 0)
               }})) AS VARCHAR) AS turns,
               channel, utm_source, utm_medium, utm_campaign
        FROM (SELECT *, from_json(messages, '{message_type}') AS msgs FROM {src})""",
    "offline_messages": """
        SELECT 'offline_message' AS communication_type, id, date_time, date_time AS finish_time,
               NULL::BIGINT AS duration, NULL::BIGINT AS talk_duration, false AS is_lost, site_id,
               campaign_id, visitor_id, visitor_phone_number AS contact_phone_number,
               NULL::VARCHAR AS virtual_phone_number, []::BIGINT[] AS employee_ids,
               []::BIGINT[] AS employee_group_ids, []::VARCHAR[] AS call_records, false AS is_stereo,
               CAST(to_json([{{'speaker': 'client', 'text': coalesce(text, ''), 'start': 0, 'end': 0}}])
                    AS VARCHAR) AS turns,
               channel, utm_source, utm_medium, utm_campaign
        FROM {src}""",
}


def _settings_versions(sites: pd.DataFrame) -> pd.DataFrame:
    """Settings versions with their ``valid_from``/``valid_till``; a frame of current settings
    only (no ``valid_from``) holds for all time."""
    if "valid_from" in sites and "valid_till" in sites:
        return sites
    return sites.assign(
        valid_from=pd.Timestamp("1970-01-01"), valid_till=pd.Timestamp("2200-01-01")
    )


def build_communications(warehouse: Warehouse, day: dt.date, sites: pd.DataFrame) -> pa.Table:
    """One day of unified communications. ``sites`` has the config store's site columns, one
    row per site, or one per version of its settings with ``valid_from`` and ``valid_till``
    (``data.config.queries.site_settings_history``): each communication's facts then follow
    the version in force at its start, so a later change never rewrites them."""
    con = duckdb.connect(":memory:")
    try:
        versions = _settings_versions(sites)
        con.register("versions_df", versions)
        con.register("sites_df", versions.drop_duplicates("id", keep="last"))
        parts = []
        for source, sql in _UNIFIED.items():
            files = warehouse.files(source, end=day)
            if files:
                parts.append(
                    sql.format(src=warehouse.scan(source, files), message_type=_CHAT_MESSAGE_TYPE)
                )
        if not parts:
            return pa.table({})
        con.execute("CREATE TEMP TABLE unified AS " + " UNION ALL BY NAME ".join(parts))
        table = con.execute(
            f"""
            WITH base AS (
                SELECT u.*, s.account_id, coalesce(s.is_active, true) AS site_is_active,
                       coalesce(v.target_call_min_duration, s.target_call_min_duration, 0)
                           AS target_min,
                       coalesce(v.second_communication_period, s.second_communication_period, 0)
                           AS repeat_days,
                       coalesce(CAST(u.visitor_id AS VARCHAR), u.contact_phone_number,
                                u.communication_type || ':' || CAST(u.id AS VARCHAR)) AS contact_key
                FROM unified u LEFT JOIN sites_df s ON s.id = u.site_id
                LEFT JOIN versions_df v ON v.id = u.site_id
                    AND u.date_time >= v.valid_from AND u.date_time < v.valid_till
            ), flagged AS (
                SELECT *,
                    CASE communication_type
                        WHEN 'call' THEN NOT is_lost AND coalesce(talk_duration, 0) >= target_min
                        WHEN 'chat' THEN NOT is_lost AND turns LIKE '%"speaker":"client"%'
                        ELSE length(trim(coalesce(json_extract_string(turns, '$[0].text'), ''))) > 0
                    END AS is_target
                FROM base
            ), ordered AS (
                SELECT *,
                    row_number() OVER (PARTITION BY site_id, contact_key ORDER BY date_time, communication_type, id) = 1
                        AS is_primary,
                    max(CASE WHEN is_target THEN date_time END) OVER (
                        PARTITION BY site_id, contact_key, communication_type ORDER BY date_time, id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_target_time
                FROM flagged
            )
            SELECT communication_type || ':' || CAST(id AS VARCHAR) AS communication_id,
                   communication_type, id, account_id, site_id, campaign_id, visitor_id, date_time,
                   finish_time, duration, talk_duration, is_lost, is_primary, is_target,
                   coalesce(is_target AND previous_target_time IS NOT NULL
                            AND date_time - previous_target_time <= to_days(CAST(repeat_days AS INTEGER)),
                            false) AS is_repeat,
                   contact_phone_number, virtual_phone_number, employee_ids, employee_group_ids,
                   call_records, is_stereo, site_is_active, channel, utm_source, utm_medium,
                   utm_campaign, turns
            FROM ordered
            WHERE CAST(date_time AS DATE) = DATE '{day.isoformat()}'
            ORDER BY date_time, communication_id
            """
        ).arrow()
        return table if isinstance(table, pa.Table) else table.read_all()
    finally:
        con.close()

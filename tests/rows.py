"""Rows as the calls contract writes them, for tests that build warehouse days by hand."""

import pandas as pd


def call_row(
    id_: int,
    when,
    talk: int,
    *,
    visitor: int | None = None,
    lost: bool = False,
    site: int = 1,
    campaign: int = 5,
    phone: str = "79161234567",
) -> dict:
    """One call: ``talk`` seconds of talk, five more of ringing; ``visitor`` defaults to the id."""
    return {
        "id": id_,
        "start_time": pd.Timestamp(when),
        "finish_time": pd.NaT,
        "is_lost": lost,
        "site_id": site,
        "campaign_id": campaign,
        "visitor_id": visitor if visitor is not None else id_,
        "talk_duration": talk,
        "total_duration": talk + 5,
        "contact_phone_number": phone,
        "virtual_phone_number": "74951234567",
        "employee_ids": [1],
        "employee_group_ids": [2],
        "call_records": [f"rec-{id_}"],
        "is_stereo": True,
        "channel": "advert",
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
    }

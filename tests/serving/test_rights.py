"""Effective rights: union of own and role rights, the "new" rows, delete requires edit, and the
SQL visibility condition agreeing with the Python one."""

import duckdb
import pytest
from pydantic import ValidationError

from serving.access.rights import EffectiveRights, Perm, RightsSetData, mask_email, mask_phone

VIEW = Perm(view=True)
EDIT = Perm(view=True, edit=True)


def test_delete_requires_edit():
    with pytest.raises(ValidationError, match="delete requires edit"):
        Perm(view=True, delete=True)
    assert Perm(view=True, edit=True, delete=True).allows("delete")
    # a row that bypassed validation still cannot delete without edit
    assert not Perm.model_construct(view=True, edit=False, create=False, delete=True).allows(
        "delete"
    )


def test_union_of_own_and_role_rights():
    own = RightsSetData(campaigns={1: VIEW, 2: Perm()})
    role = RightsSetData(campaigns={2: EDIT}, tags=EDIT)
    rights = EffectiveRights.combine([own, role])
    assert rights.can("campaign", "view", 1)
    assert rights.can("campaign", "edit", 2)
    assert not rights.can("campaign", "view", 3)
    assert rights.can("tags", "edit")


def test_new_rows_govern_objects_without_a_row_of_their_own():
    rights = EffectiveRights.combine(
        [RightsSetData(campaigns={5: Perm()}, new_campaigns=VIEW, new_sites=Perm())]
    )
    assert rights.can("campaign", "view", 99)  # created after the rights were saved
    assert not rights.can("campaign", "view", 5)  # existed then and was left out
    assert not rights.can("site", "view", 1)


def test_a_holder_without_a_row_contributes_its_new_row():
    a = RightsSetData(campaigns={7: Perm()})
    b = RightsSetData(new_campaigns=VIEW)  # for b, campaign 7 is "new"
    assert EffectiveRights.combine([a, b]).can("campaign", "view", 7)


def test_full_access_allows_everything():
    rights = EffectiveRights.combine([RightsSetData(full_access=True)])
    assert rights.can("campaign", "delete", 1)
    assert rights.can("interface", "edit", "users")
    assert rights.visibility_sql() == "TRUE"


@pytest.mark.parametrize(
    "holder",
    [
        RightsSetData(campaigns={1: VIEW, 2: Perm()}, sites={10: VIEW}),
        RightsSetData(
            campaigns={1: Perm()}, new_campaigns=VIEW, new_sites=VIEW, sites={11: Perm()}
        ),
        RightsSetData(),
    ],
)
def test_sql_visibility_matches_python(holder):
    rights = EffectiveRights.combine([holder])
    grid = [(s, c) for s in (None, 10, 11, 12) for c in (None, 1, 2, 3)]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (site_id INT, campaign_id INT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", grid)
    shown = set(
        con.execute(
            f"SELECT site_id, campaign_id FROM t WHERE {rights.visibility_sql()}"
        ).fetchall()
    )
    assert shown == {row for row in grid if rights.sees(*row)}
    # tied to neither: always visible
    assert (None, None) in shown


def test_masking_keeps_only_the_edges():
    assert mask_phone("79161234567") == "7916*****67"
    assert mask_email("ivan.petrov@example.ru") == "i***@example.ru"
    assert mask_phone(None) is None


def test_one_function_masks_contacts_for_every_serializer():
    from serving.access.rights import shown_contacts

    record = {
        "contact_phone_number": "79161234567",
        "number": "74951112233",
        "email": "ivan.petrov@example.ru",
        "visitor_name": "Иван",
        "campaign_id": 11,
    }
    without = EffectiveRights.combine([RightsSetData()])
    masked = shown_contacts(record, without)
    assert masked["contact_phone_number"] == "7916*****67"
    assert masked["number"] == "7495*****33"
    assert masked["email"] == "i***@example.ru"
    assert masked["visitor_name"] == "Иван"
    assert masked["campaign_id"] == 11
    allowed = EffectiveRights.combine([RightsSetData(contact_data=Perm(view=True))])
    assert shown_contacts(record, allowed) == record

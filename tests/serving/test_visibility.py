"""The visibility rule is one definition compiled three ways: the Python predicate
(``EffectiveRights.sees``), the SQL condition (DuckDB) and the numpy mask must agree on any
rights and any rows, with and without an account column."""

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serving.access.rights import EffectiveRights, Perm, RightsSetData
from serving.readmodel import columnar

IDS = st.integers(min_value=1, max_value=12)
BIG_IDS = st.sampled_from([1, 2, 3, 2**21 + 5, 5_000_000_000])  # dense and sorted lookups
OPTIONAL = st.one_of(st.none(), IDS, BIG_IDS)
PERMS = st.builds(lambda view, edit: Perm(view=view, edit=edit), st.booleans(), st.booleans())
HOLDERS = st.builds(
    RightsSetData,
    full_access=st.booleans(),
    sites=st.dictionaries(st.one_of(IDS, BIG_IDS), PERMS, max_size=5),
    campaigns=st.dictionaries(st.one_of(IDS, BIG_IDS), PERMS, max_size=5),
    new_sites=PERMS,
    new_campaigns=PERMS,
)
RIGHTS = st.builds(
    lambda holders, account, sites, campaigns: EffectiveRights.combine(
        holders, account_id=account, account_sites=sites, account_campaigns=campaigns
    ),
    st.lists(HOLDERS, min_size=1, max_size=3),
    st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
    st.frozensets(st.one_of(IDS, BIG_IDS), max_size=6),
    st.frozensets(st.one_of(IDS, BIG_IDS), max_size=6),
)
ROWS = st.lists(
    st.tuples(OPTIONAL, OPTIONAL, st.one_of(st.none(), st.integers(1, 3))), min_size=1, max_size=40
)


def _column(values):
    return columnar.decode(pa.chunked_array([values], pa.int64()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rights=RIGHTS, rows=ROWS, with_account=st.booleans())
def test_python_sql_and_numpy_agree(rights, rows, with_account):
    if with_account:
        python = [rights.sees(site, campaign, account) for site, campaign, account in rows]
    else:
        python = [rights.sees(site, campaign) for site, campaign, _ in rows]

    mask = columnar.visible_mask(
        rights,
        len(rows),
        _column([r[0] for r in rows]),
        _column([r[1] for r in rows]),
        _column([r[2] for r in rows]) if with_account else None,
    )

    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INT, site_id BIGINT, campaign_id BIGINT, account_id BIGINT)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(i, *r) for i, r in enumerate(rows)])
    condition = rights.visibility_sql(
        "site_id", "campaign_id", "account_id" if with_account else None
    )
    shown = {i for (i,) in con.execute(f"SELECT i FROM t WHERE {condition}").fetchall()}
    sql = [i in shown for i in range(len(rows))]

    assert python == list(mask) == sql


def test_an_account_user_never_sees_another_accounts_rows():
    """Positive and negative: full access inside account 1 shows its rows, not account 2's."""
    rights = EffectiveRights.combine(
        [RightsSetData(full_access=True)], account_id=1, account_sites={1}, account_campaigns={11}
    )
    assert rights.sees(1, 11, 1)
    assert rights.sees(None, None, 1)
    assert not rights.sees(3, 31, 2)
    assert not rights.sees(None, None, 2)
    # tables without an account column: the account's sites and campaigns decide
    assert rights.sees(1, None)
    assert rights.sees(None, 11)
    assert not rights.sees(3, None)
    assert not rights.sees(None, 31)
    assert not rights.sees(None, None)
    assert not rights.can("site", "view", 3)
    assert rights.can("site", "delete", 1)
    operator = EffectiveRights.combine([RightsSetData(full_access=True)], operator=True)
    assert operator.sees(3, 31, 2)
    assert operator.sees_whole_platform()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rights=RIGHTS, rows=ROWS, with_account=st.booleans())
def test_a_refused_campaign_hides_every_row_of_it(rights, rows, with_account):
    from serving.access import visibility

    rule = rights.rule(with_account)
    for site, campaign, account in rows:
        if campaign is None or not visibility.refuses(rule, visibility.CAMPAIGN, campaign):
            continue
        row = {visibility.SITE: site, visibility.CAMPAIGN: campaign}
        if with_account:
            row[visibility.ACCOUNT] = account
        assert not visibility.allows(rule, row)


def test_an_agency_user_is_refused_a_campaign_it_may_not_see():
    from serving.access import visibility

    holder = RightsSetData(campaigns={1: Perm(view=True), 2: Perm(view=False)})
    rights = EffectiveRights.combine([holder])
    rule = rights.rule(False)
    assert visibility.refuses(rule, visibility.CAMPAIGN, 2)
    assert not visibility.refuses(rule, visibility.CAMPAIGN, 1)

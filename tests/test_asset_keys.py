"""The code location's exact asset-key set: an asset that appears or disappears is a decision.
And the lineage view's groups: a dozen at most, source → staging → domain → publish."""

from pathlib import Path

from dagster_project.definitions import defs

MODELS = Path(__file__).resolve().parents[1] / "dbt" / "models"

EXPECTED = {
    "analysts": [
        "analyst_mrr_by_segment",
    ],
    "intermediate": [
        "int_account_health_scored",
        "int_account_health_signals",
        "int_account_journey_paths",
        "int_account_last_engagements",
        "int_account_lifecycle_ladder",
        "int_account_stage_spells",
        "int_account_status_changes",
        "int_accounts",
        "int_as_of",
        "int_billing_customers_resolved",
        "int_churn_events",
        "int_engagement_account_months",
        "int_fx_rates_monthly",
        "int_invoice_lines",
        "int_identity__domains",
        "int_identity__emails",
        "int_kb_article_views",
        "int_lifecycle_contact_companies",
        "int_lifecycle_deals",
        "int_lifecycle_referrals",
        "int_lifecycle_stage_evidence",
        "int_lifecycle_touchpoints",
        "int_load_audit_files",
        "int_milestones_reached",
        "int_mrr_account_currency_months",
        "int_mrr_account_months",
        "int_nps_responses_scored",
        "int_product_events",
        "int_product_users",
        "int_record_version_conflicts",
        "int_subscription_periods",
        "int_support_tickets",
        "int_support_tickets_scored",
        "int_survey_responses",
    ],
    "marts": [
        "dim_accounts",
        "fct_lifecycle_stages",
        "fct_mrr_account_month",
        "fct_nps_responses",
        "fct_support_tickets",
        "mart_account_health",
        "mart_churn_reasons",
        "mart_client_phases",
        "mart_cohort_retention",
        "mart_engagement_monthly",
        "mart_health_backtest",
        "mart_journey_path_conversion",
        "mart_lifecycle_funnel",
        "mart_load_audit",
        "mart_mrr_monthly",
        "mart_nps",
        "mart_stage_transitions",
        "mart_support_by_stage",
        "mart_touchpoints_by_stage",
        "mart_unmatched_records",
    ],
    "raw": [
        "_ingest_files",
        "_quarantine",
        "generic_accounts",
        "generic_churn_events",
        "generic_events",
        "generic_nps",
        "generic_subscriptions",
        "generic_tickets",
        "hubspot_companies",
        "hubspot_contacts",
        "hubspot_deals",
        "intercom_conversations",
        "nps_responses",
        "product_events",
        "stripe_customers",
        "stripe_dashboard_customers",
        "stripe_dashboard_invoices",
        "stripe_dashboard_subscriptions",
        "stripe_invoices",
        "stripe_subscriptions",
        "typeform_responses",
        "zendesk_organizations",
        "zendesk_ticket_metrics",
        "zendesk_tickets",
        "zendesk_tickets_csv",
        "zendesk_users",
    ],
    "reference": [
        "currencies",
        "fx_rates",
    ],
    "semantic": [
        "metricflow_time_spine",
        "sem_lifecycle_stage_reach",
        "sem_mrr_cohort_months",
    ],
    "serving": [
        "journey_map_report",
        "published_marts",
    ],
    "staging": [
        "stg_generic__accounts",
        "stg_generic__churn_events",
        "stg_generic__events",
        "stg_generic__nps",
        "stg_generic__subscriptions",
        "stg_generic__tickets",
        "stg_hubspot__companies",
        "stg_hubspot__contacts",
        "stg_hubspot__deal_stage_dates",
        "stg_hubspot__deals",
        "stg_hubspot__lifecycle_stage_dates",
        "stg_ingest__files",
        "stg_ingest__quarantine",
        "stg_intercom__conversations",
        "stg_product__events",
        "stg_stripe__customers",
        "stg_stripe__invoice_lines",
        "stg_stripe__invoices",
        "stg_stripe__subscription_items",
        "stg_stripe__subscriptions",
        "stg_typeform__responses",
        "stg_surveys__nps_responses",
        "stg_zendesk__organizations",
        "stg_zendesk__ticket_metrics",
        "stg_zendesk__tickets",
        "stg_zendesk__users",
    ],
}


def test_the_asset_key_set_is_exactly_the_expected_one():
    actual = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    expected = {f"{layer}/{name}" for layer, names in EXPECTED.items() for name in names}
    assert sorted(actual - expected) == [], "assets nobody expected"
    assert sorted(expected - actual) == [], "expected assets that are gone"


def test_every_raw_table_has_a_blocking_check_and_every_mart_its_dbt_tests():
    graph = defs.resolve_asset_graph()
    checked = {check.asset_key.to_user_string() for check in graph.asset_check_keys}
    raw = {f"raw/{name}" for name in EXPECTED["raw"] if not name.startswith("_")}
    marts = {f"marts/{name}" for name in EXPECTED["marts"]}
    assert raw <= checked
    assert marts <= checked


def test_every_warehouse_writer_shares_the_pool_of_size_one():
    from dagster_project.settings import WAREHOUSE_POOL

    graph = defs.resolve_asset_graph()
    # the report reads the published copy and writes only its HTML file: it needs no warehouse slot
    readers_only = {"serving/journey_map_report"}
    writers = [
        key
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and key.to_user_string() not in readers_only
    ]
    pools = {graph.get(key).assets_def.node_def.pool for key in writers}
    assert pools == {WAREHOUSE_POOL}


# The groups of the Dagster lineage view, in the order data flows through them.
GROUPS = (
    "exports",
    "staging",
    "core",
    "revenue",
    "lifecycle",
    "engagement",
    "nps",
    "support",
    "audit",
    "semantic",
    "analysts",
    "publish",
)
# Every mart's group: its domain (the README's table of marts and docs/<domain>.md).
MART_GROUPS = {
    "core": ["dim_accounts", "mart_unmatched_records"],
    "revenue": ["fct_mrr_account_month", "mart_churn_reasons", "mart_cohort_retention", "mart_mrr_monthly"],
    "lifecycle": [
        "fct_lifecycle_stages",
        "mart_client_phases",
        "mart_journey_path_conversion",
        "mart_lifecycle_funnel",
        "mart_stage_transitions",
        "mart_touchpoints_by_stage",
    ],
    "engagement": ["mart_account_health", "mart_engagement_monthly", "mart_health_backtest"],
    "nps": ["fct_nps_responses", "mart_nps"],
    "support": ["fct_support_tickets", "mart_support_by_stage"],
    "audit": ["mart_load_audit"],
}
# Layers whose every asset is in one group (the seeds are reference data every domain shares).
LAYER_GROUPS = {
    "raw": "exports",
    "staging": "staging",
    "reference": "core",
    "semantic": "semantic",
    "analysts": "analysts",
    "serving": "publish",
}


def intermediate_domain(name: str) -> str:
    """An intermediate model's domain, from where its SQL file is: a domain folder, or `core` at the top."""
    [path] = (MODELS / "intermediate").rglob(f"{name}.sql")
    folder = path.parent.relative_to(MODELS / "intermediate").parts
    return folder[0] if folder else "core"


def test_every_asset_is_in_one_of_a_dozen_named_groups_by_source_staging_and_domain():
    graph = defs.resolve_asset_graph()
    group_of = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert len(GROUPS) <= 12
    assert sorted(set(group_of.values())) == sorted(GROUPS)

    expected = {f"{layer}/{name}": group for layer, group in LAYER_GROUPS.items() for name in EXPECTED[layer]}
    expected |= {f"marts/{name}": group for group, names in MART_GROUPS.items() for name in names}
    expected |= {f"intermediate/{name}": intermediate_domain(name) for name in EXPECTED["intermediate"]}
    assert sorted(expected) == sorted(group_of), "an asset without an expected group"
    wrong = {key: (group_of[key], group) for key, group in expected.items() if group_of[key] != group}
    assert wrong == {}, "asset: (its group, the expected group)"
    # spot checks of the folder rule
    assert group_of["intermediate/int_mrr_account_currency_months"] == "revenue"
    assert group_of["intermediate/int_identity__emails"] == "core"

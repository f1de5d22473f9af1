"""The floor: the same loading and core marts as `journey build`, in straight DuckDB SQL, no orchestration.

No Dagster, no dbt, no Great Expectations, no quarantine, no publish: the export files are read into typed
DuckDB tables (every family the build ingests), then the core marts are computed in plain SQL with the
rules of docs/metrics.md as our dbt models implement them (dbt/models/intermediate/revenue,
dbt/models/marts/revenue):

- MRR per account × month from Stripe invoice lines (type subscription, not a proration, invoice paid or
  open; amount − Σ discount_amounts in currency units ÷ months per interval; end_of_month membership;
  converted at the month's rate from dbt/seeds/fx_rates.csv, previous month restated at this month's rate),
  with movements (new / reactivation / churn / expansion / contraction / unchanged);
- the monthly MRR bridge (starting, new, expansion, reactivation, contraction, churned, ending);
- NPS by month (survey_type nps or none; a respondent's latest answer in the month counts once);
- monthly active accounts from product events (any `Logged In` of a user resolved to an account).

Billing customers, product users and NPS respondents are resolved to CRM companies the way the build does
(carried company id, else a contact's email, else the email's domain; Stripe customers left over become
`stripe:<customer id>`). It is the benchmark's yardstick: how fast the same work goes with nothing around
it. With --compare it reads the warehouse `journey build` made from the same files and prints both
figures side by side (latest month's ending MRR, NPS and active accounts).

    python benchmarks/floor.py --exports DIR [--database FILE] [--compare WAREHOUSE] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fnmatch import fnmatch
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "dbt" / "seeds"
REPORTING_CURRENCY = "usd"
JSONL = ("*.jsonl", "*.jsonl.gz", "*.ndjson", "*.ndjson.gz")


def _jsonl(stem: str) -> tuple[str, ...]:
    return tuple(f"*{stem}*{suffix[1:]}" for suffix in JSONL)


# folder, name patterns, patterns excluded (the ingest catalog's: ticket metrics also match *tickets*)
FAMILIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "companies": ("crm", ("*companies*.csv", "*companies*.csv.gz"), ()),
    "contacts": ("crm", ("*contacts*.csv", "*contacts*.csv.gz"), ()),
    "deals": ("crm", ("*deals*.csv", "*deals*.csv.gz"), ()),
    "customers": ("billing", _jsonl("customers"), ()),
    "subscriptions": ("billing", _jsonl("subscriptions"), ()),
    "invoices": ("billing", _jsonl("invoices"), ()),
    "tickets": ("support", _jsonl("tickets"), _jsonl("ticket_metrics")),
    "ticket_metrics": ("support", _jsonl("ticket_metrics"), ()),
    "tickets_csv": ("support", ("*tickets*.csv", "*tickets*.csv.gz"), ()),
    "organizations": ("support", _jsonl("organizations"), ()),
    "users": ("support", _jsonl("users"), ()),
    "nps": ("surveys", ("*nps*.csv", "*nps*.csv.gz"), ()),
    "events": ("product", JSONL, ()),
}

# Explicit types for the JSON lines files: typed tables, and no schema guessed from a sample.
_PRICE = (
    "STRUCT(id VARCHAR, product VARCHAR, unit_amount BIGINT, "
    'recurring STRUCT("interval" VARCHAR, interval_count INTEGER))'
)
JSON_COLUMNS: dict[str, dict[str, str]] = {
    "customers": {
        "id": "VARCHAR", "email": "VARCHAR", "name": "VARCHAR", "created": "BIGINT", "currency": "VARCHAR",
        "delinquent": "BOOLEAN", "metadata": "STRUCT(hubspot_company_id VARCHAR)",
    },
    "subscriptions": {
        "id": "VARCHAR", "customer": "VARCHAR", "status": "VARCHAR", "created": "BIGINT", "start_date": "BIGINT",
        "trial_start": "BIGINT", "trial_end": "BIGINT", "cancel_at_period_end": "BOOLEAN",
        "canceled_at": "BIGINT", "ended_at": "BIGINT", "cancellation_details": "STRUCT(reason VARCHAR)",
        "items": f"STRUCT(data STRUCT(id VARCHAR, price {_PRICE}, quantity INTEGER)[])",
    },
    "invoices": {
        "id": "VARCHAR", "customer": "VARCHAR", "subscription": "VARCHAR", "status": "VARCHAR",
        "billing_reason": "VARCHAR", "created": "BIGINT", "currency": "VARCHAR", "amount_due": "BIGINT",
        "amount_paid": "BIGINT", "attempt_count": "INTEGER", "status_transitions": "STRUCT(paid_at BIGINT)",
        "lines": (
            "STRUCT(data STRUCT(id VARCHAR, type VARCHAR, amount BIGINT, quantity INTEGER, proration BOOLEAN, "
            f'period STRUCT("start" BIGINT, "end" BIGINT), price {_PRICE}, '
            "discount_amounts STRUCT(amount BIGINT)[])[])"
        ),
    },
    "tickets": {
        "id": "BIGINT", "created_at": "VARCHAR", "updated_at": "VARCHAR", "status": "VARCHAR",
        "priority": "VARCHAR", "type": "VARCHAR", "subject": "VARCHAR", "tags": "VARCHAR[]",
        "via": "STRUCT(channel VARCHAR)", "requester_id": "BIGINT", "organization_id": "BIGINT",
        "group_id": "BIGINT", "satisfaction_rating": "STRUCT(score VARCHAR)",
    },
    "ticket_metrics": {
        "ticket_id": "BIGINT", "reply_time_in_minutes": "STRUCT(calendar INTEGER, business INTEGER)",
        "first_resolution_time_in_minutes": "STRUCT(calendar INTEGER, business INTEGER)",
        "full_resolution_time_in_minutes": "STRUCT(calendar INTEGER, business INTEGER)",
        "reopens": "INTEGER", "replies": "INTEGER", "solved_at": "VARCHAR",
    },
    "organizations": {"id": "BIGINT", "name": "VARCHAR", "domain_names": "VARCHAR[]", "external_id": "VARCHAR"},
    "users": {"id": "BIGINT", "email": "VARCHAR", "organization_id": "BIGINT", "role": "VARCHAR"},
    "events": {
        "type": "VARCHAR", "event": "VARCHAR", "userId": "VARCHAR", "anonymousId": "VARCHAR",
        "timestamp": "VARCHAR", "groupId": "VARCHAR", "properties": "JSON", "traits": "STRUCT(email VARCHAR)",
        "context": "STRUCT(groupId VARCHAR, traits STRUCT(email VARCHAR))",
    },
}


def export_files(exports: Path) -> dict[str, list[str]]:
    """Every export file per family, by the ingest catalog's folder and name patterns."""
    found: dict[str, list[str]] = {}
    for family, (folder, patterns, exclude) in FAMILIES.items():
        files = sorted(
            str(path)
            for path in (exports / folder).glob("*")
            if path.is_file()
            and any(fnmatch(path.name, pattern) for pattern in patterns)
            and not any(fnmatch(path.name, pattern) for pattern in exclude)
        )
        found[family] = files
    return found


def _list(files: list[str]) -> str:
    return "[" + ", ".join("'" + file.replace("'", "''") + "'" for file in files) + "]"


def _read_json(files: list[str], family: str) -> str:
    columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in JSON_COLUMNS[family].items()) + "}"
    return (
        f"read_json({_list(files)}, format = 'newline_delimited', columns = {columns}, "
        "filename = true, ignore_errors = false)"
    )


def _read_csv(files: list[str]) -> str:
    return f"read_csv({_list(files)}, header = true, all_varchar = true, union_by_name = true, filename = true)"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {table}").fetchall()]


def load(con: duckdb.DuckDBPyConnection, files: dict[str, list[str]]) -> dict[str, int]:
    """Read every export file into a typed table; return the rows of each."""
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "create or replace macro hs_ts(value) as coalesce("
        "try_strptime(value, '%Y-%m-%d %H:%M'), try_strptime(value, '%m/%d/%Y %I:%M %p'), "
        "try_strptime(value, '%Y-%m-%d %H:%M:%S'), try_cast(value as timestamp))"
    )
    con.execute("create or replace macro unix_ts(value) as make_timestamp(value * 1000000)")
    con.execute("create or replace macro iso_ts(value) as try_cast(try_cast(value as timestamptz) as timestamp)")
    missing = [family for family, found in files.items() if not found and family not in ("tickets_csv", "deals")]
    if missing:
        raise SystemExit(f"floor: no export files for {', '.join(missing)} under the exports folder")

    for family in ("companies", "contacts", "deals", "tickets_csv", "nps"):
        if files[family]:
            con.execute(f"create or replace table csv_{family} as select * from {_read_csv(files[family])}")
        else:
            con.execute(f"create or replace table csv_{family} as select null::varchar as filename where false")

    def stage_dates(table: str) -> str:
        cols = [c for c in _columns(con, table) if c.startswith(("Date entered", "Became a"))]
        return "greatest(" + ", ".join(f"hs_ts({_q(c)})" for c in cols) + ")" if cols else "null::timestamp"

    con.execute(
        f"""
        create or replace table companies as
        select "Record ID" as company_id, "Company name" as company_name, hs_ts("Create Date") as created_at,
               lower(nullif(trim("Company Domain Name"), '')) as domain,
               try_cast("Number of Employees" as integer) as employees, "Original Source" as original_source,
               "Lifecycle Stage" as lifecycle_stage, {stage_dates('csv_companies')} as latest_stage_at, filename
        from csv_companies
        where "Record ID" is not null
        qualify row_number() over (partition by "Record ID" order by filename desc) = 1
        """
    )
    con.execute(
        f"""
        create or replace table contacts as
        select "Record ID" as contact_id, lower(trim("Email")) as email, hs_ts("Create Date") as created_at,
               "Associated Company IDs" as associated_company_ids, {stage_dates('csv_contacts')} as latest_stage_at,
               filename
        from csv_contacts
        where "Record ID" is not null
        qualify row_number() over (partition by "Record ID" order by filename desc) = 1
        """
    )
    deal_created = "hs_ts(\"Create Date\")" if files["deals"] else "null::timestamp"
    con.execute(
        f"create or replace table deals as select * exclude (filename), {deal_created} as created_at, filename "
        "from csv_deals"
    )
    con.execute(
        f"""
        create or replace table customers as
        select id as customer_id, lower(email) as email, name, unix_ts(created) as created_at,
               lower(currency) as currency, delinquent, metadata.hubspot_company_id as carried_company_id, filename
        from {_read_json(files['customers'], 'customers')}
        qualify row_number() over (partition by id order by created desc, filename desc) = 1
        """
    )
    con.execute(
        f"""
        create or replace table subscriptions as
        select id as subscription_id, customer as customer_id, status, unix_ts(created) as created_at,
               unix_ts(start_date) as start_at, unix_ts(trial_start) as trial_start_at,
               unix_ts(trial_end) as trial_end_at, unix_ts(canceled_at) as canceled_at,
               unix_ts(ended_at) as ended_at, items.data as items, filename
        from {_read_json(files['subscriptions'], 'subscriptions')}
        qualify row_number() over (partition by id order by created desc, filename desc) = 1
        """
    )
    # the latest version of an invoice: later created, then the further status (draft < open < final)
    con.execute(
        f"""
        create or replace table invoices as
        select id as invoice_id, customer as customer_id, subscription as subscription_id, lower(status) as status,
               billing_reason, unix_ts(created) as created_at, lower(currency) as currency,
               amount_due as amount_due_cents, amount_paid as amount_paid_cents, attempt_count,
               unix_ts(status_transitions.paid_at) as paid_at, lines.data as lines, filename
        from {_read_json(files['invoices'], 'invoices')}
        qualify row_number() over (
            partition by id
            order by created desc,
                     case lower(status) when 'draft' then 0 when 'open' then 1 else 2 end desc,
                     filename desc
        ) = 1
        """
    )
    con.execute(
        """
        create or replace table invoice_lines as
        select invoices.invoice_id, invoices.customer_id, invoices.status as invoice_status, invoices.currency,
               line.id as line_id, line.type as line_type, line.amount as amount_cents, line.quantity,
               coalesce(line.proration, false) as is_proration,
               coalesce(list_sum([discount.amount for discount in line.discount_amounts]), 0) as discount_cents,
               unix_ts(line.period.start) as period_start_at, unix_ts(line.period.end) as period_end_at,
               line.price.id as price_id, line.price.product as product_id,
               line.price.recurring.interval as billing_interval,
               coalesce(line.price.recurring.interval_count, 1) as billing_interval_count
        from invoices, unnest(invoices.lines) as unnested (line)
        """
    )
    con.execute(
        f"""
        create or replace table tickets as
        select id as ticket_id, iso_ts(created_at) as created_at, iso_ts(updated_at) as updated_at,
               lower(status) as status, priority, tags, via.channel as channel, requester_id, organization_id,
               satisfaction_rating.score as csat, filename
        from {_read_json(files['tickets'], 'tickets')}
        qualify row_number() over (partition by id order by iso_ts(updated_at) desc nulls last, filename desc) = 1
        """
    )
    if files["tickets_csv"]:
        con.execute(
            """
            create or replace table tickets_csv as
            select try_cast("Id" as bigint) as ticket_id, hs_ts("Created at") as created_at, lower("Status") as status,
                   filename
            from csv_tickets_csv
            """
        )
    else:
        con.execute("create or replace table tickets_csv as select null::bigint as ticket_id where false")
    con.execute(
        f"""
        create or replace table ticket_metrics as
        select ticket_id, reply_time_in_minutes.calendar as first_reply_minutes,
               reply_time_in_minutes.business as first_reply_business_minutes,
               full_resolution_time_in_minutes.calendar as full_resolution_minutes, reopens, replies,
               iso_ts(solved_at) as solved_at, filename
        from {_read_json(files['ticket_metrics'], 'ticket_metrics')}
        """
    )
    con.execute(
        f"create or replace table organizations as select * from {_read_json(files['organizations'], 'organizations')}"
    )
    con.execute(f"create or replace table support_users as select * from {_read_json(files['users'], 'users')}")
    con.execute(
        """
        create or replace table nps_responses as
        select response_id, lower(trim(email)) as email, try_cast(score as integer) as score,
               iso_ts(responded_at) as responded_at, lower(nullif(trim(survey_type), '')) as survey_type,
               nullif(account_id, '') as carried_company_id, filename
        from csv_nps
        """
    )
    con.execute(
        f"""
        create or replace table events as
        select type, event, "userId" as user_id, "anonymousId" as anonymous_id, iso_ts("timestamp") as occurred_at,
               coalesce(context.groupId, "groupId") as group_id,
               lower(coalesce(context.traits.email, traits.email)) as email, properties, filename
        from {_read_json(files['events'], 'events')}
        """
    )
    for family in ("companies", "contacts", "deals", "tickets_csv", "nps"):
        con.execute(f"drop table csv_{family}")
    tables = ("companies", "contacts", "deals", "customers", "subscriptions", "invoices", "invoice_lines",
              "tickets", "tickets_csv", "ticket_metrics", "organizations", "support_users", "nps_responses", "events")
    return {table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in tables}


TRANSFORM = f"""
-- the month the marts end at: the month of the latest recorded activity
create or replace table as_of as
select cast(date_trunc('month', max(latest_at)) as date) as as_of_month
from (
    select max(created_at) as latest_at from invoices
    union all select max(created_at) from subscriptions
    union all select max(greatest(created_at, coalesce(updated_at, created_at))) from tickets
    union all select max(created_at) from tickets_csv
    union all select max(responded_at) from nps_responses
    union all select max(occurred_at) from events
    union all select max(greatest(created_at, coalesce(latest_stage_at, created_at))) from companies
    union all select max(greatest(created_at, coalesce(latest_stage_at, created_at))) from contacts
    union all select max(created_at) from deals
);

-- identity: an email → the first associated company that exists; a domain → its company
create or replace table email_companies as
select contacts.email, trim(associated.company_id) as company_id
from contacts,
     unnest(string_split(contacts.associated_company_ids, ';')) with ordinality as associated (company_id, position)
inner join companies on trim(associated.company_id) = companies.company_id
where contacts.email is not null
qualify row_number() over (
    partition by contacts.email order by contacts.created_at nulls last, contacts.contact_id, position
) = 1;

create or replace table domain_companies as
select domain, min(company_id) as company_id from companies where domain is not null group by domain;

create or replace table customer_accounts as
with referenced as (
    select customer_id from invoices union select customer_id from subscriptions
), all_customers as (
    select coalesce(customers.customer_id, referenced.customer_id) as customer_id, customers.email,
           customers.carried_company_id
    from customers full outer join referenced on customers.customer_id = referenced.customer_id
)
select all_customers.customer_id,
       coalesce(by_id.company_id, by_email.company_id, by_domain.company_id, 'stripe:' || all_customers.customer_id)
           as account_id
from all_customers
left join companies as by_id on all_customers.carried_company_id = by_id.company_id
left join email_companies as by_email on all_customers.email = by_email.email
left join domain_companies as by_domain on split_part(all_customers.email, '@', 2) = by_domain.domain;

-- recurring revenue periods with their monthly amount in the currency billed
create or replace table subscription_periods as
with currencies as (select * from read_csv('{SEEDS / "currencies.csv"}', header = true))
select customer_accounts.account_id, invoice_lines.currency, invoice_lines.product_id,
       invoice_lines.period_start_at, invoice_lines.period_end_at,
       (invoice_lines.amount_cents - invoice_lines.discount_cents)
       / power(10, coalesce(currencies.minor_unit_digits, 2))
       / case invoice_lines.billing_interval
             when 'month' then cast(invoice_lines.billing_interval_count as double)
             when 'year' then 12.0 * invoice_lines.billing_interval_count
             when 'week' then invoice_lines.billing_interval_count * 12.0 / 52.0
             when 'day' then invoice_lines.billing_interval_count * 12.0 / 365.0
         end as monthly_amount_local
from invoice_lines
inner join customer_accounts on invoice_lines.customer_id = customer_accounts.customer_id
left join currencies on invoice_lines.currency = currencies.currency
where invoice_lines.line_type = 'subscription' and not invoice_lines.is_proration
  and invoice_lines.invoice_status in ('paid', 'open')
  and invoice_lines.period_start_at is not null and invoice_lines.period_end_at > invoice_lines.period_start_at
  and invoice_lines.billing_interval in ('month', 'year', 'week', 'day');

-- end_of_month membership: a period counts in m when it starts before and ends at or after m's end
create or replace table mrr_currency_months as
with bounded as (
    select subscription_periods.*, as_of.as_of_month,
           case when period_start_at >= as_of.as_of_month + interval 1 month then as_of.as_of_month + interval 1 month
                else date_trunc('month', period_start_at) end as first_month,
           case when period_end_at >= as_of.as_of_month + interval 1 month then as_of.as_of_month
                else date_trunc('month', period_end_at) - interval 1 month end as last_month
    from subscription_periods cross join as_of
), expanded as (
    select account_id, currency, product_id, monthly_amount_local, cast(months.month_start as date) as month
    from bounded, unnest(generate_series(cast(first_month as timestamp), cast(last_month as timestamp),
                                         interval 1 month)) as months (month_start)
    where first_month <= last_month
)
select account_id, month, currency, sum(monthly_amount_local) as mrr_local
from expanded group by all;

-- exchange rates per currency × month: the latest earlier rate, else the earliest later one
create or replace table fx_rates as
with seed as (select * from read_csv('{SEEDS / "fx_rates.csv"}', header = true)),
currencies as (select distinct currency from mrr_currency_months union select '{REPORTING_CURRENCY}'),
span as (
    select least((select min(month) from mrr_currency_months), (select min(month) from seed)) as first_month,
           (select as_of_month from as_of) as last_month
),
grid as (
    select currencies.currency, cast(months.month_start as date) as month, seed.usd_per_unit
    from currencies cross join span,
         unnest(generate_series(cast(span.first_month as timestamp), cast(span.last_month as timestamp),
                                interval 1 month)) as months (month_start)
    left join seed on currencies.currency = seed.currency and cast(months.month_start as date) = seed.month
),
filled as (
    select currency, month,
           coalesce(last_value(usd_per_unit ignore nulls) over (partition by currency order by month
                        rows between unbounded preceding and current row),
                    first_value(usd_per_unit ignore nulls) over (partition by currency order by month
                        rows between unbounded preceding and unbounded following)) as usd_per_unit
    from grid
)
select filled.currency, filled.month,
       case when filled.currency = '{REPORTING_CURRENCY}' then 1.0
            else filled.usd_per_unit / reporting.usd_per_unit end as rate_to_reporting
from filled join filled as reporting on reporting.currency = '{REPORTING_CURRENCY}' and filled.month = reporting.month;

-- MRR per account × month with movements; last month restated at this month's rate
create or replace table mrr_account_month as
with converted as (
    select mrr_currency_months.account_id, mrr_currency_months.month,
           sum(mrr_local * fx_rates.rate_to_reporting) as mrr_reporting
    from mrr_currency_months
    left join fx_rates using (currency, month)
    group by all
), first_paid as (
    select account_id, min(month) as first_mrr_month from converted
    where round(mrr_reporting, 6) > 0 group by account_id
), spine as (
    select first_paid.account_id, first_paid.first_mrr_month, cast(months.month_start as date) as month
    from first_paid cross join as_of,
         unnest(generate_series(cast(first_paid.first_mrr_month as timestamp), cast(as_of.as_of_month as timestamp),
                                interval 1 month)) as months (month_start)
), account_currencies as (
    select distinct account_id, currency from mrr_currency_months
), restated as (
    select spine.account_id, spine.first_mrr_month, spine.month,
           coalesce(this_month.mrr_local, 0) * rate.rate_to_reporting as mrr_part,
           coalesce(last_month.mrr_local, 0) * rate.rate_to_reporting as previous_mrr_part
    from spine
    join account_currencies on spine.account_id = account_currencies.account_id
    left join mrr_currency_months as this_month
        on this_month.account_id = spine.account_id and this_month.currency = account_currencies.currency
        and this_month.month = spine.month
    left join mrr_currency_months as last_month
        on last_month.account_id = spine.account_id and last_month.currency = account_currencies.currency
        and last_month.month = cast(spine.month - interval 1 month as date)
    left join fx_rates as rate on rate.currency = account_currencies.currency and rate.month = spine.month
), account_months as (
    select account_id, month, any_value(first_mrr_month) as first_mrr_month,
           greatest(cast(round(sum(mrr_part), 6) as decimal(38, 6)), 0) as mrr,
           greatest(cast(round(sum(previous_mrr_part), 6) as decimal(38, 6)), 0) as previous_mrr
    from restated group by account_id, month
), classified as (
    select *,
           case when mrr > 0 and month = first_mrr_month then 'new'
                when mrr > 0 and previous_mrr = 0 then 'reactivation'
                when previous_mrr > 0 and mrr = 0 then 'churn'
                when mrr > previous_mrr and previous_mrr > 0 then 'expansion'
                when mrr > 0 and mrr < previous_mrr then 'contraction'
                when mrr = 0 and previous_mrr = 0 then 'inactive'
                else 'unchanged' end as movement
    from account_months
)
select account_id, month, mrr, previous_mrr, movement,
       case movement when 'new' then mrr when 'reactivation' then mrr when 'expansion' then mrr - previous_mrr
                     when 'contraction' then previous_mrr - mrr when 'churn' then previous_mrr else 0 end
           as movement_mrr
from classified;

-- the monthly MRR bridge
create or replace table mrr_monthly as
select month, sum(previous_mrr) as starting_mrr,
       sum(movement_mrr) filter (where movement = 'new') as new_mrr,
       sum(movement_mrr) filter (where movement = 'expansion') as expansion_mrr,
       sum(movement_mrr) filter (where movement = 'reactivation') as reactivation_mrr,
       sum(movement_mrr) filter (where movement = 'contraction') as contraction_mrr,
       sum(movement_mrr) filter (where movement = 'churn') as churned_mrr,
       sum(mrr) as ending_mrr, count(*) filter (where mrr > 0) as customers
from mrr_account_month group by month order by month;

-- NPS by month: nps-type answers (or untyped), a respondent's latest answer in the month counts once
create or replace table nps_monthly as
with answers as (
    select cast(date_trunc('month', responded_at) as date) as month, email, score
    from nps_responses
    where (survey_type is null or survey_type = 'nps') and score between 0 and 10 and responded_at is not null
      and email is not null
    qualify row_number() over (partition by email, date_trunc('month', responded_at)
                               order by responded_at desc, response_id desc) = 1
)
select month, count(*) as responses, count(*) filter (where score >= 9) as promoters,
       count(*) filter (where score between 7 and 8) as passives, count(*) filter (where score <= 6) as detractors,
       100.0 * (count(*) filter (where score >= 9) - count(*) filter (where score <= 6)) / count(*) as nps,
       avg(score) as average_score
from answers, as_of where month <= as_of.as_of_month group by month order by month;

-- monthly active accounts: any Logged In of a user resolved to a CRM company
create or replace table active_accounts_monthly as
with logins as (
    select cast(date_trunc('month', occurred_at) as date) as month, user_id, group_id, email
    from events where type = 'track' and event = 'Logged In' and occurred_at is not null
), resolved as (
    select logins.month, coalesce(by_id.company_id, by_email.company_id, by_domain.company_id) as account_id
    from logins
    left join companies as by_id on logins.group_id = by_id.company_id
    left join email_companies as by_email on logins.email = by_email.email
    left join domain_companies as by_domain on split_part(logins.email, '@', 2) = by_domain.domain
)
select month, count(distinct account_id) as active_accounts
from resolved, as_of where account_id is not null and month <= as_of.as_of_month
group by month order by month;
"""


def transform(con: duckdb.DuckDBPyConnection) -> None:
    for statement in TRANSFORM.split(";\n"):
        if statement.strip():
            con.execute(statement)


def floor_figures(con: duckdb.DuckDBPyConnection) -> dict:
    as_of = con.execute("select as_of_month from as_of").fetchone()[0]
    ending = con.execute("select ending_mrr, customers from mrr_monthly where month = ?", [as_of]).fetchone()
    nps = con.execute("select nps, responses from nps_monthly where month = ?", [as_of]).fetchone()
    active = con.execute("select active_accounts from active_accounts_monthly where month = ?", [as_of]).fetchone()
    return {
        "as_of_month": str(as_of),
        "ending_mrr": float(ending[0]) if ending else 0.0,
        "customers": int(ending[1]) if ending else 0,
        "nps": float(nps[0]) if nps else None,
        "nps_responses": int(nps[1]) if nps else 0,
        "active_accounts": int(active[0]) if active else 0,
    }


def warehouse_figures(warehouse: Path, as_of_month: str) -> dict:
    """The same figures from the marts `journey build` wrote (read-only)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def schema_of(table: str) -> str:
            row = con.execute(
                "select table_schema from information_schema.tables where table_name = ? order by table_schema",
                [table],
            ).fetchone()
            if row is None:
                raise SystemExit(f"floor: {warehouse} has no table {table}; did the build finish?")
            return _q(row[0])

        revenue = schema_of("mart_mrr_monthly")
        months = con.execute(f"select max(month) from {revenue}.mart_mrr_monthly").fetchone()[0]
        ending = con.execute(
            f"select ending_mrr, customers from {revenue}.mart_mrr_monthly where month = ?", [months]
        ).fetchone()
        nps = con.execute(
            f"select nps, responses from {schema_of('mart_nps')}.mart_nps "
            "where dimension = 'overall' and month = ?",
            [as_of_month],
        ).fetchone()
        active = con.execute(
            f"select count(distinct account_id) from {schema_of('mart_engagement_monthly')}.mart_engagement_monthly "
            "where month = ? and logins > 0",
            [as_of_month],
        ).fetchone()
    finally:
        con.close()
    return {
        "as_of_month": str(months),
        "ending_mrr": float(ending[0]) if ending else 0.0,
        "customers": int(ending[1]) if ending else 0,
        "nps": float(nps[0]) if nps and nps[0] is not None else None,
        "nps_responses": int(nps[1]) if nps else 0,
        "active_accounts": int(active[0]) if active else 0,
    }


def run_floor(exports: Path, database: Path | None) -> dict:
    started = time.monotonic()
    files = export_files(exports)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
        database.unlink(missing_ok=True)
    con = duckdb.connect(str(database) if database else ":memory:")
    try:
        rows = load(con, files)
        loaded = time.monotonic()
        transform(con)
        figures = floor_figures(con)
    finally:
        con.close()
    finished = time.monotonic()
    return {
        "seconds": finished - started,
        "load_seconds": loaded - started,
        "transform_seconds": finished - loaded,
        "files": sum(len(found) for found in files.values()),
        "rows": rows,
        "figures": figures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exports", type=Path, required=True, help="exports folder (the same one the build read)")
    parser.add_argument("--database", type=Path, help="DuckDB file to write (default: in memory)")
    parser.add_argument("--compare", type=Path, help="warehouse `journey build` made from the same exports")
    parser.add_argument("--json", type=Path, help="write the result as JSON here")
    args = parser.parse_args(argv)
    if not args.exports.is_dir():
        print(f"floor: exports folder {args.exports} does not exist", file=sys.stderr)
        return 2
    result = run_floor(args.exports, args.database)
    floor = result["figures"]
    print(
        f"floor: {result['files']} files, {sum(result['rows'].values()):,} rows, {result['seconds']:.1f}s "
        f"(load {result['load_seconds']:.1f}s, transform {result['transform_seconds']:.1f}s)"
    )
    print(
        f"floor: as_of {floor['as_of_month']}: ending MRR {floor['ending_mrr']:,.2f} ({floor['customers']:,} "
        f"customers), NPS {floor['nps']}, active accounts {floor['active_accounts']:,}"
    )
    if args.compare:
        if not args.compare.is_file():
            print(f"floor: warehouse {args.compare} does not exist; nothing to compare", file=sys.stderr)
            return 2
        built = warehouse_figures(args.compare, floor["as_of_month"])
        result["build_figures"] = built
        result["mrr_agrees"] = (
            built["as_of_month"] == floor["as_of_month"] and abs(built["ending_mrr"] - floor["ending_mrr"]) < 0.01
        )
        print(
            f"build: as_of {built['as_of_month']}: ending MRR {built['ending_mrr']:,.2f} ({built['customers']:,} "
            f"customers), NPS {built['nps']}, active accounts {built['active_accounts']:,}"
        )
        print("ending MRR " + ("agrees" if result["mrr_agrees"] else "DIFFERS") + " (floor vs build)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

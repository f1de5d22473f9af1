"""File formats: render one chunk of simulated tables into the bytes each export file gets.

The layout (folder, file name, header) is declared in `LAYOUT`; `render_chunk` returns
{relative path: bytes} for the data rows of one chunk (headers are written once by the
pipeline). HubSpot CSVs quote every cell; the Zendesk and survey CSVs quote only where needed;
JSONL is compact, one API object per line, keys in the order the tools emit them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import constants as K
from .billing import addon_price, subscription_status, unit_price
from .common import NEVER, Calendar
from .fmt import (
    assemble,
    cat,
    col,
    csv_line,
    csv_minimal,
    csv_quoted,
    hubspot_date,
    iso_z,
    jbool,
    jint,
    jopt_int,
    jopt_str,
    jstr,
    lines_bytes,
    pick,
    where,
    zendesk_csv_date,
)
from .model import FIRST_NATIVE, LAST_NATIVE, Table, current_stage, gmail, person_names
from .product import (
    ANON_PAGE,
    ARTICLE_VIEWED,
    DEMO_REQUESTED,
    FEATURE_USED,
    GROUP,
    IDENTIFY,
    INVITE_ACCEPTED,
    INVITE_SENT,
    LOGGED_IN,
    LOGGED_IN_PATHS,
    PAGE,
    REPORT_EXPORTED,
    TRIAL_STARTED,
)
from .support import CATEGORIES, csv_cutover

STAGE_COLUMNS = [f'Date entered "{s} (Lifecycle Stage Pipeline)"' for s in K.LIFECYCLE_STAGES]
SAFE_TS = 1_500_000_000
# Names of people who only appear in one file (a billing mailbox owner, an outside requester,
# an unknown survey respondent) come from fixed streams: deterministic, independent of the seed's
# simulation streams, and different people than the account's contacts (other name slots).
_NAME_RNG = np.random.default_rng  # placeholder for masked-out (never) timestamps before formatting
DEAL_STAGE_COLUMNS = [f'Date entered "{s} (Sales Pipeline)"' for s in K.DEAL_STAGES]


@dataclass(frozen=True)
class FileSpec:
    """One export file: where it goes, its CSV header (None for JSONL) and quoting style."""

    path: str
    header: tuple[str, ...] | None = None
    quote_all: bool = False


COMPANIES = FileSpec(
    "crm/hubspot_companies.csv",
    (
        "Record ID",
        "Company name",
        "Create Date",
        "Company Domain Name",
        "Industry",
        "Number of Employees",
        "Country/Region",
        "Lifecycle Stage",
        "Original Source",
        *STAGE_COLUMNS,
    ),
    True,
)
CONTACTS = FileSpec(
    "crm/hubspot_contacts.csv",
    (
        "Record ID",
        "First Name",
        "Last Name",
        "Email",
        "Create Date",
        "Lifecycle Stage",
        "Associated Company IDs",
        "Original Source",
        *STAGE_COLUMNS,
    ),
    True,
)
DEALS = FileSpec(
    "crm/hubspot_deals.csv",
    (
        "Record ID",
        "Deal Name",
        "Pipeline",
        "Deal Stage",
        "Amount",
        "Create Date",
        "Close Date",
        "Associated Company IDs",
        "Closed Lost Reason",
        "Deal Type",
        *DEAL_STAGE_COLUMNS,
    ),
    True,
)
STRIPE_CUSTOMERS = FileSpec("billing/stripe_customers.jsonl")
STRIPE_SUBSCRIPTIONS = FileSpec("billing/stripe_subscriptions.jsonl")
STRIPE_INVOICES = FileSpec("billing/stripe_invoices.jsonl")
ZD_TICKETS = FileSpec("support/zendesk_tickets.jsonl")
ZD_METRICS = FileSpec("support/zendesk_ticket_metrics.jsonl")
ZD_ORGS = FileSpec("support/zendesk_organizations.jsonl")
ZD_USERS = FileSpec("support/zendesk_users.jsonl")
ZD_CSV = FileSpec(
    "support/zendesk_tickets_export.csv",
    (
        "Id",
        "Subject",
        "Created at",
        "Status",
        "Requester id",
        "Requester email",
        "Organization",
        "Group",
        "Priority",
        "Via",
        "Tags",
        "Solved at",
        "Satisfaction Score",
        "Reopens",
        "Replies",
        "First reply time in minutes",
        "First reply time in minutes within business hours",
        "First resolution time in minutes",
        "First resolution time in minutes within business hours",
        "Full resolution time in minutes",
        "Full resolution time in minutes within business hours",
    ),
)
NPS = FileSpec(
    "surveys/nps_responses.csv",
    ("response_id", "email", "score", "responded_at", "comment", "survey_type", "account_id"),
)
EVENTS_PATTERN = "product/events_{month}.jsonl"

LAYOUT: tuple[FileSpec, ...] = (
    COMPANIES,
    CONTACTS,
    DEALS,
    STRIPE_CUSTOMERS,
    STRIPE_SUBSCRIPTIONS,
    STRIPE_INVOICES,
    ZD_TICKETS,
    ZD_METRICS,
    ZD_ORGS,
    ZD_USERS,
    ZD_CSV,
    NPS,
)


def _opt(values: np.ndarray) -> np.ndarray:
    return np.asarray(values) != NEVER


def _hs_date(ts: np.ndarray, us: np.ndarray) -> pa.Array:
    """A HubSpot date cell: empty when never reached."""
    present = _opt(ts)
    return where(present, hubspot_date(np.where(present, ts, SAFE_TS), us), "")


# --- CRM --------------------------------------------------------------------------------
def render_companies(acc: Table) -> pa.Array:
    us = acc["us_dates"]
    stage = acc["stage"]
    cur = current_stage(stage)
    cells = [
        col(acc["company_id"]),
        acc["company_name"],
        _hs_date(acc["t_create"], us),
        where(acc["has_domain"], acc["domain"], ""),
        pick(K.INDUSTRIES, acc["industry"]),
        where(acc["employees_known"], col(acc["employees"]), ""),
        pick([c[0] for c in K.COUNTRIES], acc["country"]),
        where(cur >= 0, pick(K.LIFECYCLE_STAGES, np.maximum(cur, 0)), ""),
        pick(K.ORIGINAL_SOURCES, acc["source"]),
        *[_hs_date(stage[:, s], us) for s in range(8)],
    ]
    return csv_line([csv_quoted(c) for c in cells])


def render_contacts(acc: Table, ct: Table) -> pa.Array:
    a = ct["acct"]
    us = acc["us_dates"][a]
    cur = current_stage(ct["stage"])
    cells = [
        col(ct["contact_id"]),
        pick(FIRST_NATIVE, ct["first"]),
        pick(LAST_NATIVE, ct["last"]),
        ct["email"],
        _hs_date(ct["created"], us),
        where(cur >= 0, pick(K.LIFECYCLE_STAGES, np.maximum(cur, 0)), ""),
        ct["assoc"],
        pick(K.ORIGINAL_SOURCES, ct["source"]),
        *[_hs_date(ct["stage"][:, s], us) for s in range(8)],
    ]
    return csv_line([csv_quoted(c) for c in cells])


def render_deals(acc: Table, dl: Table) -> pa.Array:
    a = dl["acct"]
    us = acc["us_dates"][a]
    name = acc["company_name"].take(pa.array(a))
    cells = [
        col(dl["deal_id"]),
        cat(name, where(dl["kind"] == 0, " - New Business", " - Expansion")),
        where(np.ones(a.size, bool), "Sales Pipeline", ""),
        pick(K.DEAL_STAGES, dl["current"]),
        where(dl["has_amount"], col(dl["amount"]), ""),
        _hs_date(dl["created"], us),
        _hs_date(dl["close"], us),
        col(acc["company_id"][a]),
        where(dl["lost_reason"] >= 0, pick(K.CLOSED_LOST_REASONS, np.maximum(dl["lost_reason"], 0)), ""),
        where(dl["kind"] == 0, "newbusiness", "existingbusiness"),
        *[_hs_date(dl["dates"][:, s], us) for s in range(7)],
    ]
    return csv_line([csv_quoted(c) for c in cells])


# --- Stripe -----------------------------------------------------------------------------
PRODUCTS = [
    *[f"prod_{t}" for t in K.TIERS],
    "prod_sso_addon",
    "prod_onboarding",
    "prod_professional_services",
]
PRICE_STEMS = [*[f"price_{t}" for t in K.TIERS], "price_sso_addon", "price_setup_fee", "price_services"]


def _price(product: np.ndarray, interval: np.ndarray, currency: np.ndarray, unit: np.ndarray) -> pa.Array:
    """A Stripe price object; one-off products (setup fee, services) have `recurring: null`."""
    recurring = product <= 4
    label = pick([iv[2] for iv in K.INTERVALS], interval)
    cur = pick(K.CURRENCIES, currency)
    pid = where(
        recurring,
        cat(pick(PRICE_STEMS, product), "_", label, "_", cur),
        cat(pick(PRICE_STEMS, product), "_", cur),
    )
    rec = where(
        recurring,
        cat(
            '{"interval":"',
            pick([iv[0] for iv in K.INTERVALS], interval),
            '","interval_count":',
            col(np.array([iv[1] for iv in K.INTERVALS])[interval]),
            "}",
        ),
        "null",
    )
    return cat(
        '{"id":"',
        pid,
        '","product":"',
        pick(PRODUCTS, product),
        '","unit_amount":',
        jint(unit),
        ',"recurring":',
        rec,
        "}",
    )


def _customer_email(acc: Table, ct: Table, cus: Table) -> pa.Array:
    a = cus["acct"]
    primary = np.flatnonzero(ct["slot"] == 0)  # one per account, accounts in order
    contact_email = ct["email"].take(pa.array(primary[a]))
    domain = acc["domain"].take(pa.array(a))
    first, last = person_names(_NAME_RNG(0), acc["script"][a], np.full(a.size, 15), acc["name_base"][a])
    stranger = gmail(first, last, acc["gidx"][a] * 7 + 3)
    stranger = pc.replace_substring(stranger, "@gmail.com", "@outlook.com")
    match = acc["billing_match"][a]
    return where(match <= 1, contact_email, where(match == 2, cat("billing@", domain), stranger))


def render_customers(acc: Table, ct: Table, cus: Table) -> pa.Array:
    a = cus["acct"]
    meta = where(acc["billing_match"][a] == 0, cat('{"hubspot_company_id":"', col(acc["company_id"][a]), '"}'), "{}")
    return cat(
        '{"id":"',
        col(cus["id"]),
        '","object":"customer","created":',
        jint(cus["created"]),
        ',"currency":"',
        pick(K.CURRENCIES, acc["currency"][a]),
        '","delinquent":',
        jbool(cus["delinquent"]),
        ',"email":"',
        _customer_email(acc, ct, cus),
        '","livemode":false',
        ',"metadata":',
        meta,
        ',"name":"',
        acc["company_name"].take(pa.array(a)),
        '"}\n',
    )


def render_subscriptions(cal: Calendar, acc: Table, sub: Table, periods: Table, inv: Table, cus: Table) -> pa.Array:
    s = sub["acct"].size
    a = sub["acct"]
    cus_of = np.full(acc["gidx"].size, -1)
    cus_of[cus["acct"]] = np.arange(cus["acct"].size)
    cus_id = col(cus["id"]).take(pa.array(cus_of[a]))
    status = subscription_status(cal, sub, inv)
    # Current plan: the latest observed period's tier and seats (initial plan for trials).
    tier, qty = sub["tier"].copy(), sub["qty"].copy()
    last = np.flatnonzero(np.append(periods["sub"][1:] != periods["sub"][:-1], True)) if periods["sub"].size else []
    tier[periods["sub"][last]] = periods["tier"][last]
    qty[periods["sub"][last]] = periods["qty"][last]
    paid = sub["n_periods"] > 0
    from .billing import period_start

    k_last = np.maximum(sub["n_periods"] - 1, 0)
    cps = np.where(paid, period_start(sub["anchor"], sub["interval"], k_last), sub["start"])
    cpe = np.where(paid, period_start(sub["anchor"], sub["interval"], k_last + 1), sub["trial_end"])
    cur = acc["currency"][a]
    interval = sub["interval"]
    trial = sub["trial_end"] != NEVER
    known = sub["cancel_known"]
    paid_sub = sub["anchor"] != NEVER
    voluntary = ~sub["pay_fail"]
    reason = where(known, where(voluntary | ~paid_sub, '"cancellation_requested"', '"payment_failed"'), "null")
    feedback = where(
        known & voluntary & paid_sub & (sub["feedback"] < 7),
        jstr(pick(K.CANCELLATION_FEEDBACK, sub["feedback"])),
        "null",
    )
    main_item = cat(
        '{"id":"',
        col(sub["item_id"]),
        '","object":"subscription_item","price":',
        _price(tier, interval, cur, unit_price(tier, interval, cur)),
        ',"quantity":',
        jint(qty),
        "}",
    )
    addon_item = cat(
        ',{"id":"',
        col(sub["addon_item_id"]),
        '","object":"subscription_item","price":',
        _price(np.full(s, 4), interval, cur, addon_price(interval, cur)),
        ',"quantity":1}',
    )
    items = cat(main_item, where(sub["addon"], addon_item, ""))
    return cat(
        '{"id":"',
        col(sub["id"]),
        '","object":"subscription","customer":"',
        cus_id,
        '","status":"',
        col(status),
        '","created":',
        jint(sub["start"]),
        ',"start_date":',
        jint(sub["start"]),
        ',"current_period_start":',
        jint(cps),
        ',"current_period_end":',
        jint(cpe),
        ',"trial_start":',
        jopt_int(sub["start"], trial),
        ',"trial_end":',
        jopt_int(sub["trial_end"], trial),
        ',"cancel_at_period_end":',
        jbool(known & voluntary & paid_sub),
        ',"cancel_at":',
        jopt_int(sub["ended_at"], known & voluntary & paid_sub),
        ',"canceled_at":',
        jopt_int(sub["canceled_at"], known),
        ',"ended_at":',
        jopt_int(sub["ended_at"], sub["is_ended"]),
        ',"cancellation_details":{"comment":null,"feedback":',
        feedback,
        ',"reason":',
        reason,
        "}",
        ',"currency":"',
        pick(K.CURRENCIES, cur),
        '","items":{"object":"list","data":[',
        items,
        '],"has_more":false},"metadata":{}}\n',
    )


def render_invoices(acc: Table, sub: Table, inv: Table, lines: Table, cus: Table) -> bytes:
    ninv = inv["acct"].size
    cus_of = np.full(acc["gidx"].size, -1)
    cus_of[cus["acct"]] = np.arange(cus["acct"].size)
    cus_id = col(cus["id"]).take(pa.array(cus_of[inv["acct"]]))
    has_sub = inv["sub"] >= 0
    sub_id = where(has_sub, jstr(col(sub["id"]).take(pa.array(np.maximum(inv["sub"], 0)))), "null")
    status = inv["status"]
    finalized = status != "draft"
    transitions = cat(
        '{"finalized_at":',
        jopt_int(inv["created"] + 3600 * (inv["reason"] == "subscription_cycle"), finalized),
        ',"marked_uncollectible_at":',
        jopt_int(inv["closed_at"], status == "uncollectible"),
        ',"paid_at":',
        jopt_int(inv["paid_at"], status == "paid"),
        ',"voided_at":',
        jopt_int(inv["closed_at"], status == "void"),
        "}",
    )
    head = cat(
        '{"id":"',
        col(inv["id"]),
        '","object":"invoice","customer":"',
        cus_id,
        '","subscription":',
        sub_id,
        ',"status":"',
        col(status),
        '","billing_reason":"',
        col(inv["reason"]),
        '","created":',
        jint(inv["created"]),
        ',"currency":"',
        pick(K.CURRENCIES, inv["currency"]),
        '","amount_due":',
        jint(inv["amount_due"]),
        ',"amount_paid":',
        jint(inv["amount_paid"]),
        ',"attempt_count":',
        jint(inv["attempts"]),
        ',"total":',
        jint(inv["total"]),
        ',"status_transitions":',
        transitions,
        ',"lines":{"object":"list","data":[',
    )
    tail = pick(['],"has_more":false}}\n'], np.zeros(ninv, np.int64))

    li = lines["inv"]
    cur = lines["currency"]
    first_of_invoice = np.ones(li.size, bool)
    first_of_invoice[1:] = li[1:] != li[:-1]
    unit = np.where(
        lines["product"] <= 3,
        unit_price(np.minimum(lines["product"], 3), lines["interval"], cur),
        np.where(lines["product"] == 4, addon_price(lines["interval"], cur), lines["amount"]),
    )
    discounts = where(
        lines["discount"] > 0,
        cat('[{"amount":', jint(lines["discount"]), ',"discount":"', col(lines["discount_id"]), '"}]'),
        "[]",
    )
    body = cat(
        where(first_of_invoice, "", ","),
        '{"id":"',
        col(lines["id"]),
        '","type":"',
        col(lines["type"]),
        '","amount":',
        jint(lines["amount"]),
        ',"quantity":',
        jint(lines["qty"]),
        ',"proration":',
        jbool(lines["proration"]),
        ',"period":{"start":',
        jint(lines["start"]),
        ',"end":',
        jint(lines["end"]),
        "}",
        ',"price":',
        _price(lines["product"], lines["interval"], cur, unit),
        ',"discount_amounts":',
        discounts,
        "}",
    )
    # Interleave: head_i, lines of i, tail_i (sort keys: invoice * 3 + part, lines stable).
    pieces = pa.concat_arrays([head, body, tail])
    key = np.concatenate([np.arange(ninv) * 3, li * 3 + 1, np.arange(ninv) * 3 + 2])
    return lines_bytes(pieces.take(pa.array(np.argsort(key, kind="stable"))))


# --- Zendesk ----------------------------------------------------------------------------
def _tags_json(tk: Table) -> pa.Array:
    base = pick(['"' + c[0].replace(" ", '","') + '"' for c in CATEGORIES], tk["category"])
    return cat("[", base, where(tk["escalated"], ',"escalated"', ""), "]")


def _tags_space(tk: Table) -> pa.Array:
    return cat(pick([c[0] for c in CATEGORIES], tk["category"]), where(tk["escalated"], " escalated", ""))


def _subject(tk: Table) -> pa.Array:
    flat: list[str] = []
    off, length = [], []
    for c in CATEGORIES:
        off.append(len(flat))
        length.append(len(c[3]))
        flat += c[3]
    c = tk["category"]
    return pick(flat, np.array(off)[c] + tk["subject_pick"] % np.array(length)[c])


def _org_ids(acc: Table, orgs: Table, a: np.ndarray) -> np.ndarray:
    org_of = np.full(acc["gidx"].size, NEVER)
    org_of[orgs["acct"]] = orgs["id"]
    return org_of[a]


def ticket_split(cal: Calendar, tk: Table, seed_rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(in API JSONL, in UI CSV): older tickets only in the CSV, ~2% of all in both."""
    old = tk["created"] < csv_cutover(cal)
    both = old & (seed_rng.random(old.size) < 0.08)
    return ~old | both, old


def render_tickets(acc: Table, orgs: Table, tk: Table, rows: np.ndarray) -> pa.Array:
    t = {k: v[rows] for k, v in tk.items()}
    org = _org_ids(acc, orgs, t["acct"])
    prio = where(t["priority_set"], jstr(pick(K.PRIORITIES, t["priority"])), "null")
    ztype = pick([c[1] for c in CATEGORIES], t["category"])
    group = np.array([g[0] for g in K.SUPPORT_GROUPS])[t["group"]]
    return cat(
        '{"id":',
        jint(t["id"]),
        ',"created_at":"',
        iso_z(t["created"]),
        '","updated_at":"',
        iso_z(t["updated"]),
        '","type":"',
        ztype,
        '","subject":"',
        _subject(t),
        '","status":"',
        col(t["status"]),
        '","priority":',
        prio,
        ',"requester_id":',
        jint(t["requester_id"]),
        ',"submitter_id":',
        jint(t["requester_id"]),
        ',"assignee_id":',
        jint(t["assignee"]),
        ',"organization_id":',
        jopt_int(org, t["org_set"] & (org != NEVER)),
        ',"group_id":',
        jint(group),
        ',"tags":',
        _tags_json(t),
        ',"via":{"channel":"',
        pick(K.TICKET_CHANNELS, t["channel"]),
        '"}',
        ',"satisfaction_rating":{"score":"',
        col(t["rating"]),
        '"}}\n',
    )


def _minutes(cal_values: np.ndarray, biz_values: np.ndarray) -> pa.Array:
    present = cal_values != NEVER
    return cat('{"calendar":', jopt_int(cal_values, present), ',"business":', jopt_int(biz_values, present), "}")


def render_ticket_metrics(tk: Table, rows: np.ndarray) -> pa.Array:
    t = {k: v[rows] for k, v in tk.items()}
    solved = t["solved_at"] != NEVER
    return cat(
        '{"id":',
        jint(t["id"] + 9_000_000_000),
        ',"ticket_id":',
        jint(t["id"]),
        ',"created_at":"',
        iso_z(t["created"]),
        '","updated_at":"',
        iso_z(t["updated"]),
        '","reopens":',
        jint(t["reopens"]),
        ',"replies":',
        jint(t["replies"]),
        ',"solved_at":',
        where(solved, cat('"', iso_z(np.where(solved, t["solved_at"], SAFE_TS)), '"'), "null"),
        ',"reply_time_in_minutes":',
        _minutes(t["reply"], t["reply_b"]),
        ',"first_resolution_time_in_minutes":',
        _minutes(t["first_res"], t["first_res_b"]),
        ',"full_resolution_time_in_minutes":',
        _minutes(t["full_res"], t["full_res_b"]),
        "}\n",
    )


def user_emails(acc: Table, ct: Table, users: Table) -> pa.Array:
    """E-mail of each Zendesk end-user: the CRM contact's, or a personal address for outsiders."""
    first, last = person_names(
        _NAME_RNG(1),
        acc["script"][users["acct"]],
        np.full(users["id"].size, 13),
        acc["name_base"][users["acct"]],
    )
    outsider = gmail(first, last, users["id"] - 370_000_000_000)
    contact = ct["email"].take(pa.array(np.minimum(users["contact"], len(ct["email"]) - 1)))
    return where(users["outsider"], outsider, contact)


def _user_name(acc: Table, ct: Table, users: Table) -> pa.Array:
    c = np.minimum(users["contact"], ct["first"].size - 1)
    script = acc["script"][users["acct"]]
    latin = script == 0
    name = where(
        latin,
        cat(pick(FIRST_NATIVE, ct["first"][c]), " ", pick(LAST_NATIVE, ct["last"][c])),
        cat(pick(LAST_NATIVE, ct["last"][c]), pick(FIRST_NATIVE, ct["first"][c])),
    )
    return where(users["outsider"], "Customer", name)


def render_users(acc: Table, ct: Table, users: Table) -> pa.Array:
    email = user_emails(acc, ct, users)
    org_ok = users["org_set"] & (users["org"] != NEVER)
    return cat(
        '{"id":',
        jint(users["id"]),
        ',"name":"',
        _user_name(acc, ct, users),
        '","email":"',
        email,
        '","organization_id":',
        jopt_int(users["org"], org_ok),
        ',"role":"end-user","created_at":"',
        iso_z(users["created"]),
        '"}\n',
    )


AGENT_NAMES = [
    "Ana Souza",
    "Ben Carter",
    "Chloé Martin",
    "Dae-jung Park",
    "Elif Yılmaz",
    "Farah Haddad",
    "Goran Petrović",
    "Hana Suzuki",
    "Ivan Novak",
    "Jia Hui Tan",
    "Kofi Mensah",
    "Lucía Ortega",
]


def render_agents(cal: Calendar) -> pa.Array:
    n = len(AGENT_NAMES)
    login = [name.split()[0].lower().replace("é", "e").replace("í", "i").replace("ı", "i") for name in AGENT_NAMES]
    return cat(
        '{"id":',
        jint(380_000_000_000 + np.arange(n)),
        ',"name":"',
        pa.array(AGENT_NAMES, pa.string()),
        '","email":"',
        pa.array(login, pa.string()),
        '@support.journeyhq.example","organization_id":null,"role":"agent","created_at":"',
        iso_z(np.full(n, cal.start - 90 * K.DAY + 9 * 3600)),
        '"}\n',
    )


def render_organizations(cal: Calendar, acc: Table, orgs: Table) -> pa.Array:
    a = orgs["acct"]
    domains = where(orgs["domain_listed"], cat('["', acc["domain"].take(pa.array(a)), '"]'), "[]")
    created = np.minimum(acc["t_create"][a] + 3600, cal.export_end - 1)
    return cat(
        '{"id":',
        jint(orgs["id"]),
        ',"name":"',
        acc["company_name"].take(pa.array(a)),
        '","domain_names":',
        domains,
        ',"external_id":',
        jopt_str(col(acc["company_id"][a]), orgs["external"]),
        ',"created_at":"',
        iso_z(created),
        '","tags":[]}\n',
    )


def render_tickets_csv(
    acc: Table, ct: Table, users_email: pa.Array, orgs: Table, tk: Table, rows: np.ndarray
) -> pa.Array:
    t = {k: v[rows] for k, v in tk.items()}
    m = rows.size
    org = _org_ids(acc, orgs, t["acct"])
    has_org = t["org_set"] & (org != NEVER)
    solved = t["solved_at"] != NEVER
    # A CSAT-5 survey replaced the good/bad rating half way through the CSV's time range.
    csat5_era = np.zeros(m, bool)
    if m:
        csat5_era = t["created"] >= np.median(t["created"])
    label = pick(
        ["Not Offered", "Offered", "Good", "Bad"],
        np.select([t["rating"] == "offered", t["rating"] == "good", t["rating"] == "bad"], [1, 2, 3], 0),
    )
    score = where(csat5_era & solved, col(t["csat5"]), label)

    def opt(values: np.ndarray) -> pa.Array:
        return where(values != NEVER, col(values), "")

    status = pick(
        ["New", "Open", "Pending", "On-hold", "Solved", "Closed"],
        np.select(
            [t["status"] == s for s in ["new", "open", "pending", "hold", "solved", "closed"]],
            list(range(6)),
            0,
        ),
    )
    cells = [
        col(t["id"]),
        _subject(t),
        zendesk_csv_date(t["created"]),
        status,
        col(t["requester_id"]),
        users_email,
        where(has_org, acc["company_name"].take(pa.array(t["acct"])), ""),
        pick([g[1] for g in K.SUPPORT_GROUPS], t["group"]),
        where(t["priority_set"], pick(["Low", "Normal", "High", "Urgent"], t["priority"]), ""),
        pick(K.CSV_VIA, t["channel"]),
        _tags_space(t),
        where(solved, zendesk_csv_date(np.where(solved, t["solved_at"], SAFE_TS)), ""),
        score,
        col(t["reopens"]),
        col(t["replies"]),
        opt(t["reply"]),
        opt(t["reply_b"]),
        opt(t["first_res"]),
        opt(t["first_res_b"]),
        opt(t["full_res"]),
        opt(t["full_res_b"]),
    ]
    return csv_line([csv_minimal(c) for c in cells])


# --- Surveys ----------------------------------------------------------------------------
def render_nps(cal: Calendar, acc: Table, ct: Table, rs: Table, response_ids: np.ndarray) -> pa.Array:
    from .surveys import COMMENTS, SURVEY_TYPES

    a = rs["acct"]
    email = ct["email"].take(pa.array(rs["contact"]))
    first, last = person_names(_NAME_RNG(2), acc["script"][a], np.full(a.size, 14), acc["name_base"][a])
    email = where(rs["unknown"], gmail(first, last, rs["unknown_tag"]), email)
    email = where(rs["case"] == 1, pc.utf8_capitalize(email), where(rs["case"] == 2, pc.utf8_upper(email), email))
    flat = COMMENTS["promoter"] + COMMENTS["passive"] + COMMENTS["detractor"]
    off = np.array([0, len(COMMENTS["promoter"]), len(COMMENTS["promoter"]) + len(COMMENTS["passive"])])
    length = np.array([len(COMMENTS[k]) for k in ("promoter", "passive", "detractor")])
    c = rs["category"]
    comment = where(rs["has_comment"], pick(flat, off[c] + rs["comment_pick"] % length[c]), "")
    cells = [
        col(response_ids),
        email,
        col(rs["score"]),
        iso_z(rs["responded"]),
        comment,
        pick(SURVEY_TYPES, rs["kind"]),
        where(rs["has_account"], col(acc["company_id"][a]), ""),
    ]
    return csv_line([csv_minimal(x) for x in cells])


# --- Segment ----------------------------------------------------------------------------
FEATURE_PROPS = ['{"feature":"' + f + '"}' for f in K.FEATURES]
TRACK_NAMES = {
    PAGE: "Page Viewed",
    DEMO_REQUESTED: "Demo Requested",
    TRIAL_STARTED: "Trial Started",
    INVITE_SENT: "Invite Sent",
    INVITE_ACCEPTED: "Invite Accepted",
    LOGGED_IN: "Logged In",
    FEATURE_USED: "Feature Used",
    ARTICLE_VIEWED: "Article Viewed",
    REPORT_EXPORTED: "Report Exported",
}


def render_events(acc: Table, users: Table, anon: np.ndarray, ev: Table) -> pa.Array:
    """One Segment call per line (rendered per call type, then put back in time order)."""
    code, a, prop = ev["code"], ev["acct"], ev["prop"]
    uid_all = col(users["uid"])
    gid_all = col(acc["company_id"])
    anon_all = col(anon)

    def uid(r: np.ndarray) -> pa.Array:
        return uid_all.take(pa.array(ev["user"][r]))

    def email(r: np.ndarray) -> pa.Array:
        return users["email"].take(pa.array(ev["user"][r]))

    def gid(r: np.ndarray) -> pa.Array:
        return gid_all.take(pa.array(a[r]))

    def ts(r: np.ndarray) -> pa.Array:
        return iso_z(ev["ts"][r])

    parts: list[tuple[np.ndarray, pa.Array]] = []
    r = np.flatnonzero(code == ANON_PAGE)
    parts.append(
        (
            r,
            cat(
                '{"type":"track","event":"Page Viewed","anonymousId":"',
                anon_all.take(pa.array(a[r])),
                '","timestamp":"',
                ts(r),
                '","properties":{"path":"',
                pick(K.MARKETING_PATHS, np.minimum(prop[r], len(K.MARKETING_PATHS) - 1)),
                '"},"context":{"traits":{}}}\n',
            ),
        )
    )
    r = np.flatnonzero(code == IDENTIFY)
    parts.append(
        (
            r,
            cat(
                '{"type":"identify","userId":"',
                uid(r),
                '","anonymousId":"',
                anon_all.take(pa.array(a[r])),
                '","timestamp":"',
                ts(r),
                '","traits":{"email":"',
                email(r),
                '"}}\n',
            ),
        )
    )
    r = np.flatnonzero(code == GROUP)
    parts.append(
        (
            r,
            cat(
                '{"type":"group","userId":"',
                uid(r),
                '","groupId":"',
                gid(r),
                '","timestamp":"',
                ts(r),
                '","traits":{"name":"',
                acc["company_name"].take(pa.array(a[r])),
                '"}}\n',
            ),
        )
    )
    for c, name in TRACK_NAMES.items():
        r = np.flatnonzero(code == c)
        if r.size == 0:
            continue
        p = prop[r]
        if c == PAGE:
            props = cat('{"path":"', pick(LOGGED_IN_PATHS, np.minimum(p, 1)), '"}')
        elif c == FEATURE_USED:
            props = pick(FEATURE_PROPS, np.minimum(p, len(K.FEATURES) - 1))
        elif c == ARTICLE_VIEWED:
            props = cat('{"article_id":"kb-', col(p), '"}')
        elif c == REPORT_EXPORTED:
            props = pick(['{"format":"csv"}'], np.zeros(r.size, np.int64))
        elif c == INVITE_SENT:
            props = cat(
                '{"invited_user_id":"',
                uid_all.take(pa.array(p)),
                '","invitee_email":"',
                users["email"].take(pa.array(p)),
                '"}',
            )
        elif c == INVITE_ACCEPTED:
            props = cat('{"invited_user_id":"', uid(r), '","inviter_user_id":"', uid_all.take(pa.array(p)), '"}')
        else:
            props = pick(["{}"], np.zeros(r.size, np.int64))
        parts.append(
            (
                r,
                cat(
                    '{"type":"track","event":"',
                    name,
                    '","userId":"',
                    uid(r),
                    '","timestamp":"',
                    ts(r),
                    '","properties":',
                    props,
                    ',"context":{"groupId":"',
                    gid(r),
                    '","traits":{"email":"',
                    email(r),
                    '"}}}\n',
                ),
            )
        )
    return assemble(parts)


__all__ = [
    "DEMO_REQUESTED",
    "LAYOUT",
    "LOGGED_IN",
    "TRIAL_STARTED",
    "FileSpec",
    "render_agents",
    "render_companies",
    "render_contacts",
    "render_customers",
    "render_deals",
    "render_events",
    "render_invoices",
    "render_nps",
    "render_organizations",
    "render_subscriptions",
    "render_ticket_metrics",
    "render_tickets",
    "render_tickets_csv",
    "render_users",
]

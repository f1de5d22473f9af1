"""The simulated business, part 1: accounts and their pre-purchase journey in the CRM.

One account is one CRM company. For a chunk of accounts this module draws, as numpy arrays:
firmographics (segment from employees, country, script of the names, date locale, currency),
the journey path (free trial, demo, sales-led, referral, self-serve), a latent `health` that
later drives activation, churn, NPS and support friction, the lifecycle stage dates (HubSpot
only moves forward, stages can be skipped), contacts with their own stage dates, and deals
(with the demo stage `Presentation Scheduled` for demo-path deals). It also fixes the plan the
account would buy, so CRM deal amounts and Stripe prices agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import constants as K
from .common import (
    NEVER,
    Calendar,
    base36,
    choice,
    choice_rows,
    day_time,
    expand,
    sigmoid,
    stream,
)
from .fmt import cat, col, pick, where
from .names import COMPANY_STEMS, COMPANY_SUFFIXES, FIRST_NAMES, LAST_NAMES

Table = dict[str, np.ndarray]
DAY = K.DAY


@dataclass(frozen=True)
class ChunkSpec:
    """Which accounts a chunk holds: global indexes `first` .. `first + n - 1`."""

    seed: int
    chunk: int
    first: int
    n: int

    def rng(self, purpose: str) -> np.random.Generator:
        return stream(self.seed, self.chunk, purpose)


# --- name pools flattened across scripts -------------------------------------------------
def _flatten(pool: dict[str, list[tuple[str, str]]]) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    native: list[str] = []
    roman: list[str] = []
    offset, length = [], []
    for script in K.SCRIPTS:
        pairs = pool.get(script, [])
        offset.append(len(native))
        length.append(len(pairs))
        native += [p[0] for p in pairs]
        roman += [p[1] for p in pairs]
    return native, roman, np.array(offset), np.array(length)


FIRST_NATIVE, FIRST_ROMAN, FIRST_OFF, FIRST_LEN = _flatten(FIRST_NAMES)
LAST_NATIVE, LAST_ROMAN, LAST_OFF, LAST_LEN = _flatten(LAST_NAMES)
STEM_NATIVE, STEM_ROMAN, STEM_OFF, STEM_LEN = _flatten(COMPANY_STEMS)
SUFFIX_NATIVE, SUFFIX_ROMAN, SUFFIX_OFF, SUFFIX_LEN = _flatten(COMPANY_SUFFIXES)
FIRST_ROMAN_EMAIL = [r.replace("'", "") for r in FIRST_ROMAN]
LAST_ROMAN_EMAIL = [r.replace("'", "") for r in LAST_ROMAN]

COUNTRY_SCRIPT = np.array([K.SCRIPTS.index(c[2]) for c in K.COUNTRIES])
COUNTRY_CURRENCY = np.array([K.CURRENCIES.index(c[3]) for c in K.COUNTRIES])
COUNTRY_US_DATES = np.array([c[4] for c in K.COUNTRIES])
COUNTRY_WEIGHT = np.array([c[5] for c in K.COUNTRIES])
COUNTRY_CODES = [c[1] for c in K.COUNTRIES]


def person_names(
    rng: np.random.Generator, script: np.ndarray, slot: np.ndarray, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) global pool indexes; `slot` j of the same `base` never repeats a first name.

    Stepping the first-name index by 7 (coprime with every pool size) keeps people of one
    account distinct, so `first.last@domain` addresses are unique within a company.
    """
    first = FIRST_OFF[script] + (base + slot * 7) % FIRST_LEN[script]
    last = LAST_OFF[script] + rng.integers(0, 1 << 30, script.size) % LAST_LEN[script]
    return first, last


def work_email(first: np.ndarray, last: np.ndarray, domain: pa.Array) -> pa.Array:
    return cat(pick(FIRST_ROMAN_EMAIL, first), ".", pick(LAST_ROMAN_EMAIL, last), "@", domain)


def gmail(first: np.ndarray, last: np.ndarray, unique: np.ndarray) -> pa.Array:
    """A personal address made unique by a base-36 tag (no two people share a mailbox)."""
    return cat(pick(FIRST_ROMAN_EMAIL, first), pick(LAST_ROMAN_EMAIL, last), col(base36(unique, 6)), "@gmail.com")


# --- accounts ----------------------------------------------------------------------------
def simulate_accounts(spec: ChunkSpec, cal: Calendar) -> Table:
    """Firmographics, journey path, health, timing of purchase and the plan bought."""
    rng = spec.rng("accounts")
    n = spec.n
    gidx = spec.first + np.arange(n, dtype=np.int64)
    seg = choice(rng, K.SEGMENT_SHARES, n)
    lo = np.array([1, 2, 51, 1001])[seg]
    hi = np.array([1, 50, 1000, 60000])[seg]
    employees = np.exp(rng.uniform(np.log(lo), np.log(hi + 1))).astype(np.int64).clip(lo, hi)
    country = choice(rng, COUNTRY_WEIGHT, n)
    path = choice_rows(rng, np.array(K.PATH_SHARES_BY_SEGMENT), seg)
    health = rng.normal(0.0, 1.0, n)

    source_weights = np.array(
        [
            # ORG  PAID  EMAIL SOC  REF  OTHER DIRECT OFFL PSOC
            [0.35, 0.20, 0.05, 0.10, 0.0, 0.05, 0.15, 0.00, 0.10],  # free_trial
            [0.30, 0.30, 0.15, 0.05, 0.0, 0.05, 0.15, 0.00, 0.00],  # demo
            [0.10, 0.00, 0.25, 0.00, 0.0, 0.20, 0.10, 0.35, 0.00],  # sales_led
            [0.00, 0.00, 0.00, 0.00, 1.0, 0.00, 0.00, 0.00, 0.00],  # referral
            [0.35, 0.15, 0.05, 0.10, 0.0, 0.05, 0.25, 0.00, 0.05],  # self_serve
        ]
    )
    source = choice_rows(rng, source_weights, path)

    # Sign-ups grow over time: density proportional to exp(g * x) on the history.
    g = 1.1
    x = np.log1p(rng.random(n) * np.expm1(g)) / g
    first_day = cal.start + 30 * DAY
    span_days = (cal.export_end - first_day) // DAY
    utc_offset = np.array([K.UTC_OFFSET_HOURS[c] for c in COUNTRY_CODES])[country] * 3600
    t_create = first_day + (x * span_days).astype(np.int64) * DAY + day_time(rng, n) - utc_offset
    t_create = np.minimum(t_create, cal.export_end - 60)

    # Trials: every free-trial account, about half of referred ones.
    has_trial = (path == K.FREE_TRIAL) | ((path == K.REFERRAL) & (rng.random(n) < 0.45))
    trial_days = np.where(seg == K.ENTERPRISE, 30, 14)
    t_trial = t_create + (rng.exponential(1.5, n) * DAY).astype(np.int64)

    p_convert = (
        np.array(K.CONVERSION_BY_PATH)[path] * np.array(K.CONVERSION_SEGMENT_FACTOR)[seg] * np.exp(0.35 * health - 0.06)
    )
    converts = rng.random(n) < p_convert
    lag_days = np.select(
        [path == K.SELF_SERVE, path == K.DEMO, path == K.SALES_LED, path == K.REFERRAL],
        [
            1 + rng.exponential(12, n),
            14 + rng.gamma(2.0, 14, n),
            (30 + rng.gamma(2.0, 30, n)) * np.where(seg == K.ENTERPRISE, 1.5, 1.0),
            5 + rng.exponential(25, n),
        ],
        default=0.0,
    )
    t_cust = t_create + (lag_days * DAY).astype(np.int64)
    t_cust = np.where(has_trial, t_trial + trial_days * DAY, t_cust)
    is_customer = converts & (t_cust < cal.export_end)
    t_cust = np.where(is_customer, t_cust, NEVER)
    t_trial = np.where(has_trial & (t_trial < cal.export_end), t_trial, NEVER)

    # The plan the account buys (or trials): tier, seats, billing interval, extras.
    tier = choice_rows(rng, np.array(K.TIER_SHARES_BY_SEGMENT), seg)
    seat_lo = np.array([1, 2, 8, 40])[seg]
    seat_hi = np.array([1, 25, 150, 600])[seg]
    seats = np.exp(rng.uniform(np.log(seat_lo), np.log(seat_hi + 1))).astype(np.int64)
    seats = seats.clip(seat_lo, seat_hi)
    interval = choice_rows(rng, np.array(K.INTERVAL_SHARES_BY_SEGMENT), seg)
    interval = np.where((interval == K.WEEKLY) & (tier > 1), K.MONTHLY, interval)
    addon = (tier >= 2) & (rng.random(n) < 0.25)
    coupon = np.where(rng.random(n) < 0.15, 1 + choice(rng, [0.5, 0.3, 0.2], n), 0)

    # Product activation (the onboarded milestone) and how billing identifies the customer.
    seg_bias = np.array([-0.6, 0.0, 0.2, 0.3])[seg]
    activated = rng.random(n) < sigmoid(0.25 + 1.0 * health + seg_bias)
    # Stripe identity: 0 hubspot id in metadata, 1 exact contact email, 2 domain, 3 nothing.
    billing_match = choice(rng, [0.85, 0.08, 0.04, 0.03], n)
    has_domain = (rng.random(n) > 0.03) | (billing_match == 2)

    acc: Table = {
        "gidx": gidx,
        "company_id": 4_000_000_000 + (cal.seed % 997) * 1_000_000 + gidx * 997 + rng.integers(0, 997, n),
        "seg": seg,
        "employees": employees,
        "employees_known": rng.random(n) > 0.04,
        "country": country,
        "script": COUNTRY_SCRIPT[country],
        "currency": COUNTRY_CURRENCY[country],
        "us_dates": rng.random(n) < COUNTRY_US_DATES[country],
        "industry": rng.integers(0, len(K.INDUSTRIES), n),
        "path": path,
        "source": source,
        "health": health,
        "t_create": t_create,
        "has_trial": has_trial & (t_trial != NEVER),
        "t_trial": t_trial,
        "trial_days": trial_days,
        "t_cust": t_cust,
        "is_customer": is_customer,
        "tier": tier,
        "seats": seats,
        "interval": interval,
        "addon": addon,
        "coupon": coupon,
        "activated": activated,
        "billing_match": billing_match,
        "has_domain": has_domain,
        "name_base": rng.integers(0, 1 << 30, n),
    }
    _company_names(acc, rng, cal)
    _company_stages(acc, rng, cal)
    return acc


def _company_names(acc: Table, rng: np.random.Generator, cal: Calendar) -> None:
    """Company name in the account's script, and a unique domain built from its romanisation."""
    n = acc["gidx"].size
    script = acc["script"]
    stem = STEM_OFF[script] + rng.integers(0, 1 << 30, n) % STEM_LEN[script]
    suffix_len = np.maximum(SUFFIX_LEN[script], 1)
    suffix = SUFFIX_OFF[script] + rng.integers(0, 1 << 30, n) % suffix_len
    latin = script == 0
    code = col(base36((acc["gidx"] * 7919 + cal.seed * 131) % 36**5, 5))
    country_codes = [COUNTRY_CODES[c] for c in range(len(COUNTRY_CODES))]

    # Latin names take a legal-form suffix of their country; others a native suffix.
    latin_suffix_pool: list[str] = []
    latin_suffix_off, latin_suffix_len = [], []
    for cc in country_codes:
        opts = K.LATIN_COMPANY_SUFFIX.get(cc, ["Ltd"])
        latin_suffix_off.append(len(latin_suffix_pool))
        latin_suffix_len.append(len(opts))
        latin_suffix_pool += opts
    lso = np.array(latin_suffix_off)[acc["country"]]
    lsl = np.array(latin_suffix_len)[acc["country"]]
    latin_suffix = lso + rng.integers(0, 1 << 30, n) % lsl
    safe_suffix = np.where(latin, 0, suffix)

    stem_native = pick(STEM_NATIVE, stem)
    native_suffix = pick(SUFFIX_NATIVE or [""], safe_suffix)
    form = rng.random(n)
    name_latin = cat(stem_native, " ", pick(latin_suffix_pool, latin_suffix))
    name_ko = where(form < 0.3, cat("(주)", stem_native, native_suffix), cat(stem_native, native_suffix))
    name_th = where(form < 0.6, cat("บริษัท ", stem_native, native_suffix, " จำกัด"), cat(stem_native, native_suffix))
    name_zh = where(form < 0.5, cat(stem_native, native_suffix, "有限公司"), cat(stem_native, native_suffix))
    name = where(latin, name_latin, where(script == 1, name_ko, where(script == 2, name_th, name_zh)))

    tld_pool: list[str] = []
    tld_off, tld_len = [], []
    for cc in country_codes:
        tld_off.append(len(tld_pool))
        tld_len.append(len(K.TLDS[cc]))
        tld_pool += K.TLDS[cc]
    tld = np.array(tld_off)[acc["country"]] + rng.integers(0, 1 << 30, n) % np.array(tld_len)[acc["country"]]
    roman_suffix = where(latin, "", pick(SUFFIX_ROMAN or [""], safe_suffix))
    acc["company_name"] = name
    acc["domain"] = cat(pick(STEM_ROMAN, stem), roman_suffix, code, ".", pick(tld_pool, tld))


def _sorted_fractions(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    return np.sort(rng.uniform(0.05, 0.95, (n, k)), axis=1)


def _company_stages(acc: Table, rng: np.random.Generator, cal: Calendar) -> None:
    """Lifecycle stage dates of the company (forward-only ladder with realistic skips).

    Customers pass the rungs their path implies between sign-up and purchase (self-serve
    buyers mostly skip MQL/SQL/Opportunity; demo and sales-led ones go through them).
    Non-customers stop at a depth drawn by path; dates after the export are cut off.
    """
    n = acc["gidx"].size
    path, t_create, t_cust = acc["path"], acc["t_create"], acc["t_cust"]
    cust = acc["is_customer"]
    stage = np.full((n, 8), NEVER, dtype=np.int64)
    entry_sub = rng.random(n) < 0.30
    stage[:, K.SUBSCRIBER] = np.where(entry_sub, t_create, NEVER)

    # Customers.
    keep = np.array(
        [[0.35, 0.15, 0.10], [0.80, 0.85, 0.95], [0.50, 0.90, 1.00], [0.30, 0.50, 0.60], [0.25, 0.10, 0.05]]
    )[path]
    span = np.where(cust, t_cust - t_create, 0)
    t_lead_c = np.where(entry_sub, t_create + (rng.uniform(0.05, 0.4, n) * span).astype(np.int64), t_create)
    frac = _sorted_fractions(rng, n, 3)
    inner = t_lead_c[:, None] + (frac * (t_cust - t_lead_c)[:, None]).astype(np.int64)
    reached = rng.random((n, 3)) < keep
    # Free-trial sign-ups become leads when they start the trial.
    t_lead_c = np.where(acc["has_trial"] & ~entry_sub, np.minimum(t_create, acc["t_trial"]), t_lead_c)

    # Non-customers: how far they get, and exponential gaps between rungs.
    depth_w = np.array(
        [
            [0.55, 0.35, 0.07, 0.03],
            [0.25, 0.25, 0.25, 0.25],
            [0.20, 0.20, 0.30, 0.30],
            [0.35, 0.25, 0.20, 0.20],
            [0.70, 0.22, 0.05, 0.03],
        ]
    )
    depth = 1 + choice_rows(rng, depth_w, path)
    depth = np.where(entry_sub & (rng.random(n) < 0.5), 0, depth)
    gaps = (rng.exponential(12.0, (n, 4)) * DAY).astype(np.int64) + 3600
    t_lead_n = np.where(entry_sub, t_create + gaps[:, 0], t_create)
    skip_ok = rng.random((n, 3)) < np.array([0.6, 0.7, 1.0])
    t = t_lead_n.copy()
    stage_n = np.full((n, 8), NEVER, dtype=np.int64)
    stage_n[:, K.LEAD] = np.where(depth >= 1, t_lead_n, NEVER)
    for i, s in enumerate((K.MQL, K.SQL, K.OPPORTUNITY)):
        on = (depth == s) | ((depth > s) & skip_ok[:, i])
        t = np.where(on, t + gaps[:, i + 1], t)
        stage_n[:, s] = np.where(on, t, NEVER)

    stage[:, K.LEAD] = np.where(cust, t_lead_c, stage_n[:, K.LEAD])
    for i, s in enumerate((K.MQL, K.SQL, K.OPPORTUNITY)):
        stage[:, s] = np.where(cust, np.where(reached[:, i], inner[:, i], NEVER), stage_n[:, s])

    # CRM customer date: around the first payment; a few customers never get marked.
    marked = cust & (rng.random(n) < 0.96)
    crm_cust = t_cust + (rng.uniform(-0.3, 2.0, n) * DAY).astype(np.int64)
    crm_cust = np.maximum(crm_cust, stage[:, : K.CUSTOMER].max(axis=1) + 600)
    stage[:, K.CUSTOMER] = np.where(marked, crm_cust, NEVER)
    evangelist = cust & (acc["health"] > 0.5) & (rng.random(n) < 0.3)
    stage[:, K.EVANGELIST] = np.where(evangelist, t_cust + (rng.uniform(90, 500, n) * DAY).astype(np.int64), NEVER)
    last = stage[:, : K.EVANGELIST].max(axis=1)
    other = ~cust & (rng.random(n) < 0.02)
    stage[:, K.OTHER] = np.where(other, last + (rng.exponential(40, n) * DAY).astype(np.int64) + DAY, NEVER)
    stage[stage >= cal.export_end] = NEVER
    acc["stage"] = stage
    acc["t_demo"] = np.where(
        path == K.DEMO,
        stage[:, K.LEAD].clip(min=t_create) + (rng.uniform(0.0, 3.0, n) * DAY).astype(np.int64),
        NEVER,
    )
    acc["t_demo"] = np.where(acc["t_demo"] >= cal.export_end, NEVER, acc["t_demo"])


def current_stage(stage: np.ndarray) -> np.ndarray:
    """Highest rung reached (HubSpot never moves the label backwards); -1 if none."""
    reached = stage != NEVER
    idx = np.where(reached, np.arange(stage.shape[1]), -1)
    return idx.max(axis=1)


# --- contacts ----------------------------------------------------------------------------
def simulate_contacts(spec: ChunkSpec, cal: Calendar, acc: Table) -> Table:
    """People at each company: the primary contact carries the company's stage history,
    colleagues join later as leads and become customers with the company. About 1% of
    contacts carry a data-entry regression (a later rung dated before an earlier one)."""
    rng = spec.rng("contacts")
    n = acc["gidx"].size
    seg = acc["seg"]
    extra = np.select(
        [seg == K.INDIVIDUAL, seg == K.SMB, seg == K.MID_MARKET],
        [
            (rng.random(n) < 0.1).astype(np.int64),
            np.minimum(rng.poisson(0.8, n), 3),
            1 + np.minimum(rng.poisson(1.5, n), 5),
        ],
        default=2 + np.minimum(rng.poisson(2.5, n), 7),
    )
    shallow = current_stage(acc["stage"]) <= K.LEAD
    extra = np.where(shallow & ~acc["is_customer"], np.minimum(extra, 1), extra)
    count = 1 + extra
    a, j = expand(count)
    m = a.size
    script = acc["script"][a]
    first, last = person_names(rng, script, j, acc["name_base"][a])
    contact_id = 100_000_000 + (cal.seed % 50) * 20_000_000 + acc["gidx"][a] * 16 + j

    p_gmail = np.where(acc["seg"][a] == K.INDIVIDUAL, 0.5, 0.06)
    use_gmail = (rng.random(m) < p_gmail) | ~acc["has_domain"][a]
    # The billing-by-email customers need their primary contact reachable by that email.
    domain = acc["domain"].take(pa.array(a))
    email = where(use_gmail, gmail(first, last, contact_id), work_email(first, last, domain))

    t_create = acc["t_create"][a]
    later = t_create + ((cal.export_end - 1 - t_create) * rng.beta(1.0, 3.0, m)).astype(np.int64)
    created = np.where(j == 0, t_create, later)

    company_stage = acc["stage"][a]
    stage = np.full((m, 8), NEVER, dtype=np.int64)
    primary = j == 0
    stage[primary] = company_stage[primary]
    stage[primary, K.OTHER] = NEVER
    colleague = ~primary
    stage[colleague, K.LEAD] = created[colleague]
    for s in (K.MQL, K.SQL, K.OPPORTUNITY):
        ok = colleague & (company_stage[:, s] > created)
        stage[ok, s] = company_stage[ok, s]
    cust_date = company_stage[:, K.CUSTOMER]
    becomes = colleague & (cust_date != NEVER)
    stage[becomes, K.CUSTOMER] = np.maximum(cust_date[becomes], created[becomes] + 3600)
    stage[stage >= cal.export_end] = NEVER

    # Rare backward moves: the highest rung's date is set before the previous rung's date.
    reached_n = (stage[:, : K.EVANGELIST] != NEVER).sum(axis=1)
    regress = (reached_n >= 2) & (rng.random(m) < 0.02)
    if regress.any():
        rows = np.flatnonzero(regress)
        sub = stage[rows, : K.EVANGELIST]
        order = np.argsort(np.where(sub == NEVER, np.iinfo(np.int64).min, sub), axis=1)
        hi_col, prev_col = order[:, -1], order[:, -2]
        prev_t = sub[np.arange(rows.size), prev_col]
        stage[rows, hi_col] = prev_t - (rng.uniform(1, 20, rows.size) * DAY).astype(np.int64)

    other_company = acc["company_id"][rng.integers(0, n, m)]
    u = rng.random(m)
    two = np.where(primary, u < 0.02, u < 0.03) & (other_company != acc["company_id"][a])
    empty = colleague & (u > 0.95)
    own = col(acc["company_id"][a])
    assoc = where(empty, "", where(two, cat(own, ";", col(other_company)), own))
    source = np.where(primary, acc["source"][a], choice(rng, [3, 1, 2, 1, 0, 1, 2, 1, 1], m))

    return {
        "acct": a,
        "slot": j,
        "contact_id": contact_id,
        "first": first,
        "last": last,
        "email": email,
        "created": created,
        "stage": stage,
        "assoc": assoc,
        "source": source,
        "is_gmail": use_gmail,
        "regressed": regress,
    }


# --- deals -------------------------------------------------------------------------------
def simulate_deals(spec: ChunkSpec, cal: Calendar, acc: Table) -> Table:
    """New-business deals for sales-assisted journeys and some expansion deals for customers.

    Won deals close on the CRM customer date; lost deals carry a reason; deals still open at
    the export keep their current stage and no close date. Demo-path deals pass through
    `Presentation Scheduled`; sales-led ones never do (so the warehouse can tell them apart).
    """
    rng = spec.rng("deals")
    n = acc["gidx"].size
    path, seg, cust, stage = acc["path"], acc["seg"], acc["is_customer"], acc["stage"]
    u = rng.random(n)
    sales_path = (path == K.DEMO) | (path == K.SALES_LED)
    cust_deal = cust & (
        sales_path
        | ((path == K.REFERRAL) & (seg >= K.MID_MARKET) & (u < 0.5))
        | ((path == K.FREE_TRIAL) & (seg == K.ENTERPRISE) & (u < 0.3))
    )
    qualified = (stage[:, K.SQL] != NEVER) | (stage[:, K.OPPORTUNITY] != NEVER)
    prospect_deal = ~cust & qualified & (sales_path | ((path == K.REFERRAL) & (u < 0.5)))
    new_biz = cust_deal | prospect_deal

    first_sales = np.where(stage[:, K.SQL] != NEVER, stage[:, K.SQL], stage[:, K.OPPORTUNITY])
    close_won = np.where(stage[:, K.CUSTOMER] != NEVER, stage[:, K.CUSTOMER], acc["t_cust"])
    lead = stage[:, K.LEAD].clip(min=acc["t_create"])
    create = np.where(first_sales != NEVER, first_sales, lead + (close_won - lead) // 3)
    create = np.where(cust_deal, np.minimum(create, close_won - 3600), create)
    close = np.where(cust_deal, close_won, create + ((20 + rng.gamma(2.0, 20.0, n)) * DAY).astype(np.int64))

    # Expansion deals for established customers.
    exp_create = acc["t_cust"] + (rng.uniform(60, 400, n) * DAY).astype(np.int64)
    expansion = cust & (seg >= K.MID_MARKET) & (rng.random(n) < 0.15) & (exp_create < cal.export_end)
    exp_close = exp_create + ((10 + rng.gamma(2.0, 15.0, n)) * DAY).astype(np.int64)

    acct = np.concatenate([np.flatnonzero(new_biz), np.flatnonzero(expansion)])
    kind = np.concatenate([np.zeros(new_biz.sum(), np.int64), np.ones(expansion.sum(), np.int64)])
    order = np.lexsort((kind, acct))
    acct, kind = acct[order], kind[order]
    m = acct.size
    created = np.where(kind == 0, create[acct], exp_create[acct])
    closes = np.where(kind == 0, close[acct], exp_close[acct])
    won_plan = np.where(kind == 0, cust_deal[acct], rng.random(m) < 0.6)
    is_open = closes >= cal.export_end
    won = won_plan & ~is_open
    lost = ~won_plan & ~is_open

    p = path[acct]
    include = rng.random((m, 5)) < np.array([0.85, 0.8, 0.4, 0.6, 0.6])
    include[:, K.PRESENTATION] = np.where(
        p == K.DEMO, True, np.where(p == K.SALES_LED, False, include[:, K.PRESENTATION])
    )
    include[:, K.CONTRACT] = np.where(won_plan, rng.random(m) < 0.85, rng.random(m) < 0.35)
    include[kind == 1, K.APPOINTMENT] = False
    include[kind == 1, K.PRESENTATION] = False
    none = ~include.any(axis=1)
    include[none, K.QUALIFIED] = True
    frac = np.sort(rng.uniform(0.0, 0.9, (m, 5)), axis=1)
    first_inc = include.argmax(axis=1)
    frac[np.arange(m), first_inc] = 0.0
    frac = np.maximum.accumulate(np.where(include, frac, 0.0), axis=1)
    dates = np.full((m, 7), NEVER, dtype=np.int64)
    dates[:, :5] = np.where(include, created[:, None] + (frac * (closes - created)[:, None]).astype(np.int64), NEVER)
    dates[:, K.WON] = np.where(won, closes, NEVER)
    dates[:, K.LOST] = np.where(lost, closes, NEVER)
    dates[dates >= cal.export_end] = NEVER
    dates[:, :5] = np.where(
        include & (dates[:, :5] == NEVER) & (np.arange(5) == first_inc[:, None]),
        created[:, None],
        dates[:, :5],
    )
    reached = dates != NEVER
    current = np.where(reached, np.arange(7), -1).max(axis=1)

    seat_price = np.array(K.SEAT_PRICE)[acc["currency"][acct], acc["tier"][acct]]
    amount = seat_price * acc["seats"][acct] * 12 // 100
    amount = np.where(kind == 1, amount * 3 // 10, amount)
    amount = (amount // 100) * 100
    return {
        "acct": acct,
        "kind": kind,
        "deal_id": 20_000_000_000 + (cal.seed % 89) * 100_000_000 + acc["gidx"][acct] * 4 + kind,
        "created": created,
        "close": np.where(is_open, NEVER, closes),
        "dates": dates,
        "current": current,
        "lost_reason": np.where(lost, choice(rng, K.CLOSED_LOST_WEIGHTS, m), -1),
        "amount": amount,
        "has_amount": rng.random(m) > 0.05,
    }

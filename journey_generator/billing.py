"""The simulated business, part 2: Stripe customers, subscriptions and invoices.

Models per account: a trial (a `$0` invoice, then conversion at trial end or cancellation),
a paid subscription with per-seat prices on one of four tiers, monthly / annual / quarterly /
weekly billing, coupons, an SSO add-on item, setup fees (one-off `invoiceitem` lines),
upgrades and downgrades (mostly at renewal; some mid-cycle with a `subscription_update` invoice
carrying a negative unused-time credit and a positive remaining-time proration line), failed
payments (retries, recovered or `uncollectible`), voluntary churn (cancel at period end) and
involuntary churn (dunning exhausted), reactivation months later with a new subscription, and
a second concurrent subscription for some customers. Churn hazard falls with the account's
health and activation and rises for small segments.
"""

from __future__ import annotations

import numpy as np

from . import constants as K
from .common import NEVER, Calendar, add_months, choice, expand, group_cumsum, month_index, random_tokens
from .model import ChunkSpec, Table

DAY = K.DAY
MONTHS_PER = np.array([iv[3] for iv in K.INTERVALS])
CALENDAR_MONTHS = np.array([1, 12, 3, 0])  # 0: weekly, handled in days


def period_start(anchor: np.ndarray, interval: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Start of billing period k of subscriptions anchored at `anchor` (Stripe billing anchor)."""
    months = CALENDAR_MONTHS[interval] * k
    by_month = add_months(anchor, months)
    return np.where(interval == K.WEEKLY, anchor + k * 7 * DAY, by_month)


def periods_started_before(anchor: np.ndarray, interval: np.ndarray, limit: int) -> np.ndarray:
    """How many periods of each subscription start before `limit` (anchor < limit assumed)."""
    weekly = (limit - anchor - 1) // (7 * DAY) + 1
    m = np.maximum(CALENDAR_MONTHS[interval], 1)
    k0 = (month_index(np.full(anchor.size, limit - 1)) - month_index(anchor)) // m
    monthly = k0 + (period_start(anchor, interval, k0) < limit)
    return np.where(anchor < limit, np.where(interval == K.WEEKLY, weekly, monthly), 0)


def unit_price(tier: np.ndarray, interval: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """Per-seat price per billing period in minor units (annual = 10 months, quarterly -5%)."""
    monthly = np.array(K.SEAT_PRICE)[currency, tier]
    return np.select(
        [interval == K.ANNUAL, interval == K.QUARTERLY, interval == K.WEEKLY],
        [
            monthly * 10,
            np.round(monthly * 3 * 0.95 / 10).astype(np.int64) * 10,
            np.round(monthly * 12 / 52).astype(np.int64),
        ],
        default=monthly,
    )


def addon_price(interval: np.ndarray, currency: np.ndarray) -> np.ndarray:
    monthly = np.array(K.ADDON_PRICE)[currency]
    return np.select(
        [interval == K.ANNUAL, interval == K.QUARTERLY, interval == K.WEEKLY],
        [monthly * 10, monthly * 3, np.round(monthly * 12 / 52).astype(np.int64)],
        default=monthly,
    )


# --- subscriptions -----------------------------------------------------------------------
def _hazard(acc: Table, rows: np.ndarray) -> np.ndarray:
    """Monthly churn hazard: segment base x health x activation x commitment."""
    base = np.array(K.CHURN_HAZARD_BY_SEGMENT)[acc["seg"][rows]]
    lam = base * np.exp(-0.45 * acc["health"][rows]) * np.where(acc["activated"][rows], 0.55, 1.5)
    return np.minimum(lam * np.where(acc["interval"][rows] == K.ANNUAL, 0.7, 1.0), 0.5)


def _lifetime(rng: np.random.Generator, lam: np.ndarray, interval: np.ndarray) -> np.ndarray:
    """Number of paid periods until churn (geometric with the per-period hazard)."""
    p_period = 1.0 - (1.0 - lam) ** MONTHS_PER[interval]
    return rng.geometric(np.clip(p_period, 1e-4, 0.95))


def _spec(acct, kind, start, trial_end, anchor, interval, tier, qty, addon, coupon, life, pay_fail):
    return {
        "acct": acct,
        "kind": kind,
        "start": start,
        "trial_end": trial_end,
        "anchor": anchor,
        "interval": interval,
        "tier": tier,
        "qty": qty,
        "addon": addon,
        "coupon": coupon,
        "life": life,
        "pay_fail": pay_fail,
    }


def _ends(sub: Table, cal: Calendar, rng: np.random.Generator) -> None:
    """When each subscription is cancelled and ends (voluntary at period end, or dunning)."""
    n = sub["acct"].size
    paid = sub["anchor"] != NEVER
    life = sub["life"]
    last_start = period_start(sub["anchor"], sub["interval"], np.maximum(life - 1, 0))
    after = period_start(sub["anchor"], sub["interval"], life)
    length = after - last_start
    voluntary_cancel = after - (rng.uniform(0.05, 0.9, n) * length).astype(np.int64)
    dunning_end = last_start + np.minimum(21 * DAY, (0.9 * length).astype(np.int64))
    ended = np.where(sub["pay_fail"], dunning_end, after)
    canceled = np.where(sub["pay_fail"], dunning_end, voluntary_cancel)
    sub["ended_at"] = np.where(paid, ended, sub["trial_end"])
    sub["canceled_at"] = np.where(paid, canceled, sub["trial_end"])
    sub["is_ended"] = sub["ended_at"] < cal.export_end
    sub["cancel_known"] = sub["canceled_at"] < cal.export_end


def simulate_subscriptions(spec: ChunkSpec, cal: Calendar, acc: Table) -> Table:
    """Primary subscriptions (trial and/or paid), reactivations and concurrent second ones."""
    rng = spec.rng("subscriptions")
    cust = acc["is_customer"]
    rows = np.flatnonzero(cust | acc["has_trial"])
    trial = acc["has_trial"][rows]
    trial_end = np.where(trial, acc["t_trial"][rows] + acc["trial_days"][rows] * DAY, NEVER)
    lam = _hazard(acc, rows)
    m = rows.size
    pay_fail = rng.random(m) < 0.16 + 0.12 * (acc["health"][rows] < -1.0)
    life = np.where(cust[rows], _lifetime(rng, lam, acc["interval"][rows]), 0)
    primary = _spec(
        rows,
        np.zeros(m, np.int64),
        np.where(trial, acc["t_trial"][rows], acc["t_cust"][rows]),
        trial_end,
        np.where(cust[rows], acc["t_cust"][rows], NEVER),
        acc["interval"][rows],
        acc["tier"][rows],
        acc["seats"][rows],
        acc["addon"][rows],
        acc["coupon"][rows],
        life,
        pay_fail & cust[rows],
    )
    _ends(primary, cal, rng)

    # Reactivation: a new subscription months after a paid one ended.
    was_paid = primary["anchor"] != NEVER
    back = was_paid & primary["is_ended"] & (rng.random(m) < 0.12 * np.where(acc["health"][rows] > 0, 1.5, 1.0))
    back_start = primary["ended_at"] + (rng.uniform(45, 270, m) * DAY).astype(np.int64)
    back &= back_start < cal.export_end
    b = np.flatnonzero(back)
    ra = rows[b]
    re_qty = np.maximum(1, np.round(primary["qty"][b] * rng.uniform(0.6, 1.2, b.size))).astype(np.int64)
    reactivation = _spec(
        ra,
        np.ones(b.size, np.int64),
        back_start[b],
        np.full(b.size, NEVER),
        back_start[b],
        acc["interval"][ra],
        acc["tier"][ra],
        re_qty,
        np.zeros(b.size, bool),
        np.zeros(b.size, np.int64),
        _lifetime(rng, _hazard(acc, ra), acc["interval"][ra]),
        rng.random(b.size) < 0.15,
    )

    # A second, concurrent subscription (another team on a smaller plan).
    second_start = acc["t_cust"][rows] + (rng.uniform(20, 400, m) * DAY).astype(np.int64)
    live_until = np.where(primary["is_ended"], primary["ended_at"], cal.export_end)
    p_second = np.array([0.02, 0.04, 0.10, 0.12])[acc["seg"][rows]]
    second = was_paid & (rng.random(m) < p_second) & (second_start < live_until)
    c = np.flatnonzero(second)
    ca = rows[c]
    c_qty = np.maximum(1, (primary["qty"][c] * rng.uniform(0.1, 0.4, c.size)).astype(np.int64))
    concurrent = _spec(
        ca,
        np.full(c.size, 2),
        second_start[c],
        np.full(c.size, NEVER),
        second_start[c],
        np.full(c.size, K.MONTHLY),
        np.maximum(acc["tier"][ca] - 1, 0),
        c_qty,
        np.zeros(c.size, bool),
        np.zeros(c.size, np.int64),
        _lifetime(rng, 1.5 * _hazard(acc, ca), np.full(c.size, K.MONTHLY)),
        rng.random(c.size) < 0.15,
    )

    for extra in (reactivation, concurrent):
        _ends(extra, cal, rng)
    sub = {key: np.concatenate([primary[key], reactivation[key], concurrent[key]]) for key in primary}
    order = np.lexsort((sub["start"], sub["acct"]))
    sub = {key: v[order] for key, v in sub.items()}
    s = sub["acct"].size
    sub["id"] = _ids(rng, "sub_", s, 24)
    sub["item_id"] = _ids(rng, "si_", s, 14)
    sub["addon_item_id"] = _ids(rng, "si_", s, 14)
    sub["feedback"] = choice(rng, [0.25, 0.2, 0.15, 0.2, 0.05, 0.08, 0.04, 0.03], s)
    sub["n_periods"] = np.where(
        sub["anchor"] != NEVER,
        np.minimum(sub["life"], periods_started_before(sub["anchor"], sub["interval"], cal.export_end)),
        0,
    )
    return sub


def _ids(rng: np.random.Generator, prefix: str, n: int, length: int) -> np.ndarray:
    return np.char.add(prefix.encode("ascii"), random_tokens(rng, n, length))


# --- periods, invoices and lines -----------------------------------------------------------
def simulate_invoices(spec: ChunkSpec, cal: Calendar, acc: Table, sub: Table) -> tuple[Table, Table, Table]:
    """Billing periods, then one invoice per period plus trial, proration, void and manual ones.

    Returns (periods, invoices, lines); lines refer to invoices by row index `inv`.
    """
    rng = spec.rng("invoices")
    s_idx, k = expand(sub["n_periods"])
    a = sub["acct"][s_idx]
    interval = sub["interval"][s_idx]
    anchor = sub["anchor"][s_idx]
    p_start = period_start(anchor, interval, k)
    p_end = period_start(anchor, interval, k + 1)
    length = p_end - p_start
    currency = acc["currency"][a]
    seg = acc["seg"][a]
    health = acc["health"][a]
    n = s_idx.size

    # Plan changes at renewals: seats or tier up/down; cumulative within the subscription.
    mp = MONTHS_PER[interval]
    p_up = np.minimum(0.5, 0.03 * mp * np.exp(0.3 * health))
    p_down = np.minimum(0.3, 0.012 * mp * np.exp(-0.3 * health))
    u = rng.random(n)
    up = (k >= 1) & (u < p_up)
    down = (k >= 1) & ~up & (u < p_up + p_down)
    tier_move = rng.random(n) < 0.3
    can_seat = seg != K.INDIVIDUAL
    seat_step = np.where(up & ~tier_move & can_seat, np.log(rng.uniform(1.1, 1.6, n)), 0.0)
    seat_step += np.where(down & ~tier_move & can_seat, np.log(rng.uniform(0.6, 0.9, n)), 0.0)
    tier_step = np.where(up & (tier_move | ~can_seat), 1, 0) - np.where(down & (tier_move | ~can_seat), 1, 0)
    qty0 = sub["qty"][s_idx]
    qty = np.maximum(1, np.round(qty0 * np.exp(group_cumsum(seat_step, s_idx)))).astype(np.int64)
    tier = np.clip(sub["tier"][s_idx] + group_cumsum(tier_step, s_idx), 0, 3)
    changed = (k >= 1) & (up | down)

    unit = unit_price(tier, interval, currency)
    amount = unit * qty
    addon_on = sub["addon"][s_idx]
    addon_amt = np.where(addon_on, addon_price(interval, currency), 0)

    coupon = sub["coupon"][s_idx]
    pct = np.array(K.COUPON_PERCENT)[coupon]
    in_window = np.select(
        [coupon == 1, coupon == 3], [p_start < add_months(anchor, np.full(n, 3)), k == 0], default=coupon == 2
    )
    pct = np.where(in_window, pct, 0)

    # Payment outcome of each period's invoice.
    last_life = k == sub["life"][s_idx] - 1
    forced_fail = sub["pay_fail"][s_idx] & last_life
    failed = forced_fail | (rng.random(n) < 0.02 * np.exp(-0.5 * health))
    recovered = failed & ~forced_fail & (rng.random(n) < 0.55)
    attempts = np.where(failed, rng.integers(2, 5, n), 1)
    # Card payments settle within hours; invoiced (net-30) annual/quarterly plans take weeks.
    net_terms = (seg >= K.MID_MARKET) & (interval != K.MONTHLY) & (interval != K.WEEKLY)
    net_terms |= (seg == K.ENTERPRISE) & (rng.random(n) < 0.5)
    paid_at = np.where(
        net_terms,
        p_start + (rng.uniform(1, 30, n) * DAY).astype(np.int64),
        p_start + rng.integers(60, 7200, n),
    )
    paid_at = np.where(recovered, p_start + (attempts - 1) * (rng.uniform(2, 4, n) * DAY).astype(np.int64), paid_at)
    dunning = np.minimum(21 * DAY, (0.9 * length).astype(np.int64))
    uncollectible = failed & ~recovered & (p_start + dunning < cal.export_end)
    status = np.where(
        failed & ~recovered,
        np.where(uncollectible, "uncollectible", "open"),
        np.where(paid_at < cal.export_end, "paid", "open"),
    )
    attempts = np.where((status == "open") & ~failed, 0, attempts)
    attempts = np.where(
        (status == "open") & failed,
        np.minimum(attempts, 1 + (cal.export_end - p_start) // (3 * DAY)),
        attempts,
    )
    trial_sub = sub["trial_end"][s_idx] != NEVER
    reason = np.where((k == 0) & ~trial_sub, "subscription_create", "subscription_cycle")
    setup = (k == 0) & (sub["kind"][s_idx] == 0) & (seg >= K.MID_MARKET) & (rng.random(n) < 0.3)
    setup_amt = np.round(rng.uniform(5, 50, n)) * 10_000

    periods = {
        "sub": s_idx,
        "acct": a,
        "k": k,
        "start": p_start,
        "end": p_end,
        "tier": tier,
        "qty": qty,
        "amount": amount,
        "status": status,
        "failed": failed,
        "changed": changed,
        "interval": interval,
    }

    inv_parts: list[Table] = []
    line_parts: list[Table] = []

    def add_invoice(inv: Table, lines: list[Table]) -> None:
        base = sum(p["acct"].size for p in inv_parts)
        inv_parts.append(inv)
        for ln in lines:
            ln = dict(ln)
            ln["inv"] = ln["inv"] + base
            line_parts.append(ln)

    zero = np.zeros(n, np.int64)
    never = np.full(n, NEVER)
    cycle_inv = {
        "acct": a,
        "sub": s_idx,
        "created": p_start,
        "status": status,
        "reason": reason,
        "attempts": attempts,
        "paid_at": np.where(status == "paid", paid_at, NEVER),
        "closed_at": np.where(status == "uncollectible", p_start + dunning, NEVER),
        "period_start": p_start,
        "period_end": p_end,
        "order": np.full(n, 1),
    }
    idx = np.arange(n)
    main_line = _line(
        idx,
        "subscription",
        amount,
        qty,
        False,
        p_start,
        p_end,
        tier,
        interval,
        currency,
        (amount * pct) // 100,
        0,
    )
    addon_rows = np.flatnonzero(addon_on)
    addon_line = _line(
        addon_rows,
        "subscription",
        addon_amt[addon_rows],
        np.ones(addon_rows.size, np.int64),
        False,
        p_start[addon_rows],
        p_end[addon_rows],
        np.full(addon_rows.size, 4),
        interval[addon_rows],
        currency[addon_rows],
        (addon_amt[addon_rows] * pct[addon_rows]) // 100,
        1,
    )
    setup_rows = np.flatnonzero(setup)
    setup_line = _line(
        setup_rows,
        "invoiceitem",
        setup_amt[setup_rows].astype(np.int64),
        np.ones(setup_rows.size, np.int64),
        False,
        p_start[setup_rows],
        p_end[setup_rows],
        np.full(setup_rows.size, 5),
        interval[setup_rows],
        currency[setup_rows],
        np.zeros(setup_rows.size, np.int64),
        2,
    )
    add_invoice(cycle_inv, [main_line, addon_line, setup_line])

    # Void duplicates: an invoice issued twice by mistake, the copy voided.
    void = (rng.random(n) < 0.01) & (p_start + 3 * DAY < cal.export_end)
    v = np.flatnonzero(void)
    void_created = p_start[v] + rng.integers(600, 3600, v.size)
    add_invoice(
        {
            "acct": a[v],
            "sub": s_idx[v],
            "created": void_created,
            "status": np.full(v.size, "void"),
            "reason": np.full(v.size, "manual"),
            "attempts": zero[v],
            "paid_at": never[v],
            "closed_at": void_created + rng.integers(3600, 2 * DAY, v.size),
            "period_start": p_start[v],
            "period_end": p_end[v],
            "order": np.full(v.size, 2),
        },
        [
            _line(
                np.arange(v.size),
                "subscription",
                amount[v],
                qty[v],
                False,
                p_start[v],
                p_end[v],
                tier[v],
                interval[v],
                currency[v],
                (amount[v] * pct[v]) // 100,
                0,
            )
        ],
    )

    # Mid-cycle changes: proration lines on a subscription_update invoice in the prior period.
    mid = changed & (rng.random(n) < 0.3)
    mid_rows = np.flatnonzero(mid)
    prev = mid_rows - 1  # the previous period of the same subscription (k >= 1)
    tc = p_start[prev] + (rng.uniform(0.2, 0.8, mid_rows.size) * length[prev]).astype(np.int64)
    ok = tc < cal.export_end
    mid_rows, prev, tc = mid_rows[ok], prev[ok], tc[ok]
    frac = (p_end[prev] - tc) / np.maximum(length[prev], 1)
    credit = -np.round(amount[prev] * frac).astype(np.int64)
    debit = np.round(amount[mid_rows] * frac).astype(np.int64)
    total = credit + debit
    m2 = mid_rows.size
    up_status = np.full(m2, "paid")
    add_invoice(
        {
            "acct": a[prev],
            "sub": s_idx[prev],
            "created": tc,
            "status": up_status,
            "reason": np.full(m2, "subscription_update"),
            "attempts": np.where(total > 0, 1, 0),
            "paid_at": tc + rng.integers(30, 600, m2),
            "closed_at": np.full(m2, NEVER),
            "period_start": tc,
            "period_end": p_end[prev],
            "order": np.full(m2, 3),
        },
        [
            _line(
                np.arange(m2),
                "subscription",
                credit,
                qty[prev],
                True,
                tc,
                p_end[prev],
                tier[prev],
                interval[prev],
                currency[prev],
                np.zeros(m2, np.int64),
                0,
            ),
            _line(
                np.arange(m2),
                "subscription",
                debit,
                qty[mid_rows],
                True,
                tc,
                p_end[prev],
                tier[mid_rows],
                interval[prev],
                currency[prev],
                np.zeros(m2, np.int64),
                1,
            ),
        ],
    )

    # $0 trial invoices.
    t_rows = np.flatnonzero(sub["trial_end"] != NEVER)
    ta = sub["acct"][t_rows]
    t_start, t_end = sub["start"][t_rows], sub["trial_end"][t_rows]
    tn = t_rows.size
    add_invoice(
        {
            "acct": ta,
            "sub": t_rows,
            "created": t_start,
            "status": np.full(tn, "paid"),
            "reason": np.full(tn, "subscription_create"),
            "attempts": np.zeros(tn, np.int64),
            "paid_at": t_start,
            "closed_at": np.full(tn, NEVER),
            "period_start": t_start,
            "period_end": t_end,
            "order": np.zeros(tn, np.int64),
        },
        [
            _line(
                np.arange(tn),
                "subscription",
                np.zeros(tn, np.int64),
                sub["qty"][t_rows],
                False,
                t_start,
                t_end,
                sub["tier"][t_rows],
                sub["interval"][t_rows],
                acc["currency"][ta],
                np.zeros(tn, np.int64),
                0,
            )
        ],
    )

    # Manual one-off invoices: paid professional services, and drafts being prepared at export.
    paid_subs = np.flatnonzero((sub["n_periods"] > 0) & (sub["kind"] == 0))
    live_end = np.where(sub["is_ended"], sub["ended_at"], cal.export_end)
    pick_paid = paid_subs[rng.random(paid_subs.size) < 0.04]
    pick_draft = paid_subs[(rng.random(paid_subs.size) < 0.03) & ~sub["is_ended"][paid_subs]]
    man_sub = np.concatenate([pick_paid, pick_draft])
    is_draft = np.concatenate([np.zeros(pick_paid.size, bool), np.ones(pick_draft.size, bool)])
    mm = man_sub.size
    span = live_end[man_sub] - sub["anchor"][man_sub]
    created = np.where(
        is_draft,
        cal.export_end - rng.integers(3600, 5 * DAY, mm),
        sub["anchor"][man_sub] + (rng.random(mm) * span).astype(np.int64),
    )
    created = np.maximum(created, sub["anchor"][man_sub] + 60)
    ma = sub["acct"][man_sub]
    services = (np.round(rng.uniform(2, 30, mm)) * 10_000).astype(np.int64)
    add_invoice(
        {
            "acct": ma,
            "sub": np.full(mm, -1),
            "created": created,
            "status": np.where(is_draft, "draft", "paid"),
            "reason": np.full(mm, "manual"),
            "attempts": np.where(is_draft, 0, 1),
            "paid_at": np.where(is_draft, NEVER, created + 2 * DAY),
            "closed_at": np.full(mm, NEVER),
            "period_start": created,
            "period_end": created + DAY,
            "order": np.full(mm, 4),
        },
        [
            _line(
                np.arange(mm),
                "invoiceitem",
                services,
                np.ones(mm, np.int64),
                False,
                created,
                created + DAY,
                np.full(mm, 6),
                np.full(mm, K.MONTHLY),
                acc["currency"][ma],
                np.zeros(mm, np.int64),
                0,
            )
        ],
    )

    inv = {key: np.concatenate([p[key] for p in inv_parts]) for key in inv_parts[0]}
    lines = {key: np.concatenate([p[key] for p in line_parts]) for key in line_parts[0]}
    # paid_at can only be known before the export; later payments leave the invoice open.
    late = (inv["status"] == "paid") & (inv["paid_at"] >= cal.export_end)
    inv["status"] = np.where(late, "open", inv["status"])
    inv["paid_at"] = np.where(late, NEVER, inv["paid_at"])

    # Totals per invoice.
    ninv = inv["acct"].size
    inv["subtotal"] = np.bincount(lines["inv"], weights=lines["amount"], minlength=ninv).astype(np.int64)
    inv["discount"] = np.bincount(lines["inv"], weights=lines["discount"], minlength=ninv).astype(np.int64)
    inv["total"] = inv["subtotal"] - inv["discount"]
    inv["amount_due"] = np.where(inv["status"] == "void", 0, np.maximum(inv["total"], 0))
    inv["amount_paid"] = np.where(inv["status"] == "paid", inv["amount_due"], 0)
    inv["currency"] = acc["currency"][inv["acct"]]
    order = np.lexsort((inv["order"], inv["created"], inv["acct"]))
    rank = np.empty(ninv, np.int64)
    rank[order] = np.arange(ninv)
    inv = {key: v[order] for key, v in inv.items()}
    lines["inv"] = rank[lines["inv"]]
    lorder = np.lexsort((lines["pos"], lines["inv"]))
    lines = {key: v[lorder] for key, v in lines.items()}
    inv["id"] = _ids(rng, "in_", ninv, 24)
    lines["id"] = _ids(rng, "il_", lines["inv"].size, 24)
    lines["discount_id"] = _ids(rng, "di_", lines["inv"].size, 24)
    return periods, inv, lines


def _line(inv, kind, amount, qty, proration, start, end, product, interval, currency, discount, pos) -> Table:
    """Invoice line rows. `product` indexes TIERS, then 4 = SSO add-on, 5 = setup fee, 6 = services."""
    n = np.asarray(inv).size
    return {
        "inv": np.asarray(inv, np.int64),
        "type": np.full(n, kind),
        "amount": np.asarray(amount, np.int64),
        "qty": np.asarray(qty, np.int64),
        "proration": np.full(n, proration),
        "start": start,
        "end": end,
        "product": np.asarray(product, np.int64),
        "interval": np.asarray(interval, np.int64),
        "currency": np.asarray(currency, np.int64),
        "discount": np.asarray(discount, np.int64),
        "pos": np.full(n, pos),
    }


def subscription_status(cal: Calendar, sub: Table, inv: Table) -> np.ndarray:
    """Stripe status at export: trialing, active, past_due, unpaid or canceled."""
    s = sub["acct"].size
    cyc = np.flatnonzero(
        (inv["sub"] >= 0)
        & np.isin(inv["reason"], ["subscription_create", "subscription_cycle"])
        & (inv["status"] != "void")
    )
    last_status = np.full(s, "", dtype=object)
    last_attempts = np.zeros(s, np.int64)
    # The latest period invoice of each subscription decides past_due / unpaid.
    order = cyc[np.lexsort((inv["created"][cyc], inv["sub"][cyc]))]
    is_last = np.ones(order.size, bool)
    is_last[:-1] = inv["sub"][order][1:] != inv["sub"][order][:-1]
    latest = order[is_last]
    last_status[inv["sub"][latest]] = inv["status"][latest]
    last_attempts[inv["sub"][latest]] = inv["attempts"][latest]
    trialing = (sub["trial_end"] != NEVER) & (sub["trial_end"] >= cal.export_end)
    status = np.where(
        last_status == "uncollectible",
        "unpaid",
        np.where((last_status == "open") & (last_attempts > 1), "past_due", "active"),
    )
    status = np.where(trialing, "trialing", status)
    return np.where(sub["is_ended"], "canceled", status).astype(str)


def simulate_customers(spec: ChunkSpec, cal: Calendar, acc: Table, sub: Table, inv: Table) -> Table:
    """One Stripe customer per account with a subscription; identity per `billing_match`."""
    rng = spec.rng("customers")
    rows = np.unique(sub["acct"])
    first_start = np.full(acc["gidx"].size, np.iinfo(np.int64).max)
    np.minimum.at(first_start, sub["acct"], sub["start"])
    created = np.maximum(first_start[rows] - rng.integers(60, 600, rows.size), acc["t_create"][rows])
    delinquent = np.zeros(acc["gidx"].size, bool)
    bad = (inv["status"] == "uncollectible") | ((inv["status"] == "open") & (inv["attempts"] > 1))
    last_created = np.full(acc["gidx"].size, NEVER)
    np.maximum.at(last_created, inv["acct"], inv["created"])
    recent_bad = bad & (inv["created"] == last_created[inv["acct"]])
    delinquent[inv["acct"][recent_bad]] = True
    return {
        "acct": rows,
        "created": created,
        "delinquent": delinquent[rows],
        "id": _ids(rng, "cus_", rows.size, 14),
    }

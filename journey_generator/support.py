"""The simulated business, part 3: Zendesk organizations, users, tickets and ticket metrics.

Ticket volume, topic and urgency follow the account's lifecycle: a few pre-sales questions
from prospects, setup/SSO/onboarding tickets during trials and the first weeks as a customer,
how-to / bug / integration tickets while active (more, and more urgent, for unhealthy
accounts), billing tickets after failed payments and around annual renewals, and cancellation
requests at churn. Metrics carry calendar and business minutes (business < calendar); some
tickets never get a reply.
"""

from __future__ import annotations

import numpy as np

from . import constants as K
from .common import NEVER, Calendar, choice, expand, sigmoid
from .model import ChunkSpec, Table

DAY = K.DAY

# (tags, Zendesk type, group index, subjects)
CATEGORIES: list[tuple[str, str, int, list[str]]] = [
    (
        "pre_sales pricing",
        "question",
        0,
        [
            "Question about pricing",
            "Do you offer a nonprofit discount?",
            "Is there an API on the Growth plan?",
        ],
    ),
    (
        "onboarding setup",
        "task",
        2,
        ["Help getting started", "How do I import our contacts?", "Setting up our first workspace"],
    ),
    ("onboarding sso", "problem", 3, ["SSO configuration not working", "SAML login fails for new users"]),
    (
        "how_to",
        "question",
        0,
        [
            "How do I build a funnel report?",
            "Where can I change my notification settings?",
            "How to export a dashboard",
        ],
    ),
    (
        "bug",
        "incident",
        3,
        [
            "Dashboard shows no data",
            "Error 500 when saving a segment",
            "Charts not loading since this morning",
        ],
    ),
    (
        "feature_request",
        "question",
        0,
        ["Feature request: custom fields in reports", "Can you add a dark mode?"],
    ),
    (
        "integration api",
        "problem",
        3,
        ["Salesforce sync failing", "Webhook deliveries delayed", "API rate limit too low"],
    ),
    (
        "billing invoice",
        "question",
        1,
        ["Question about my invoice", "Please add our VAT number to invoices"],
    ),
    ("billing payment_failed", "problem", 1, ["Payment failed", "Card declined, how do I update it?"]),
    ("billing renewal invoice", "task", 1, ["Annual renewal quote", "Renewal invoice needs a PO number"]),
    ("billing cancellation", "task", 1, ["Cancel my subscription", "Please do not renew our plan"]),
]
PRE_SALES, ONBOARDING, SSO, HOW_TO, BUG, FEATURE, INTEGRATION, INVOICE, PAYMENT, RENEWAL, CANCEL = range(11)
SEGMENT_VOLUME = np.array([0.5, 1.0, 1.8, 3.0])
MAX_TICKETS_PER_ACCOUNT = 40
N_AGENTS = 12


def _uniform_in(rng: np.random.Generator, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    return start + (rng.random(start.size) * np.maximum(end - start, 0)).astype(np.int64)


def _poisson_in_windows(rng, acct, start, end, rate_per_day, category_weights):
    """Poisson-many tickets uniformly inside [start, end) per window; category per ticket."""
    days = np.maximum(end - start, 0) / DAY
    count = rng.poisson(rate_per_day * days)
    w, _ = expand(count)
    t = _uniform_in(rng, start[w], end[w])
    codes, weights = category_weights
    cat = np.asarray(codes, dtype=np.int64)[choice(rng, weights, w.size)]
    return acct[w], t, cat


def ticket_events(spec: ChunkSpec, cal: Calendar, acc: Table, sub: Table, periods: Table) -> Table:
    """When tickets are opened, by whom (account) and about what (category)."""
    rng = spec.rng("tickets")
    n = acc["gidx"].size
    seg_vol = SEGMENT_VOLUME[acc["seg"]]
    parts_a, parts_t, parts_c = [], [], []

    def add(a: np.ndarray, t: np.ndarray, c: np.ndarray) -> None:
        parts_a.append(a)
        parts_t.append(t)
        parts_c.append(c)

    # Prospects with a pre-sales question.
    pros = np.flatnonzero(~acc["is_customer"] & (rng.random(n) < 0.06))
    add(
        pros,
        acc["t_create"][pros] + (rng.uniform(0.1, 20, pros.size) * DAY).astype(np.int64),
        np.full(pros.size, PRE_SALES),
    )

    end = np.where(sub["is_ended"], sub["ended_at"], cal.export_end)
    sa = sub["acct"]
    # Trials: set-up questions.
    tr = np.flatnonzero(sub["trial_end"] != NEVER)
    add(
        *_poisson_in_windows(
            rng,
            sa[tr],
            sub["start"][tr],
            np.minimum(sub["trial_end"][tr], end[tr]),
            0.5 / 14 * seg_vol[sa[tr]],
            ([ONBOARDING, HOW_TO, SSO], [0.5, 0.4, 0.1]),
        )
    )
    # Onboarding: the first 45 days of a paid subscription.
    paid = np.flatnonzero(sub["n_periods"] > 0)
    on_end = np.minimum(sub["anchor"][paid] + 45 * DAY, end[paid])
    big = acc["seg"][sa[paid]] >= K.MID_MARKET
    for mask, weights in ((big, [0.45, 0.3, 0.25]), (~big, [0.6, 0.4, 1e-9])):
        rows = paid[mask]
        add(
            *_poisson_in_windows(
                rng,
                sa[rows],
                sub["anchor"][rows],
                on_end[mask],
                0.9 / 45 * seg_vol[sa[rows]],
                ([ONBOARDING, HOW_TO, SSO], weights),
            )
        )
    # Active use: friction grows as health falls.
    act_start = sub["anchor"][paid] + 45 * DAY
    rate = 0.12 / 30 * seg_vol[sa[paid]] * np.exp(-0.5 * acc["health"][sa[paid]])
    add(
        *_poisson_in_windows(
            rng,
            sa[paid],
            act_start,
            end[paid],
            rate,
            ([HOW_TO, BUG, FEATURE, INTEGRATION, INVOICE], [0.33, 0.33, 0.12, 0.14, 0.08]),
        )
    )
    # Billing: failed payments and annual renewals.
    fail = np.flatnonzero(periods["failed"] & (rng.random(periods["acct"].size) < 0.5))
    add(
        periods["acct"][fail],
        periods["start"][fail] + (rng.uniform(0.1, 5, fail.size) * DAY).astype(np.int64),
        np.full(fail.size, PAYMENT),
    )
    renew = np.flatnonzero(
        (periods["interval"] == K.ANNUAL) & (periods["k"] >= 1) & (rng.random(periods["acct"].size) < 0.3)
    )
    add(
        periods["acct"][renew],
        periods["start"][renew] + (rng.uniform(-10, 5, renew.size) * DAY).astype(np.int64),
        np.full(renew.size, RENEWAL),
    )
    # Cancellation requests.
    canc = np.flatnonzero(sub["is_ended"] & (sub["n_periods"] > 0) & ~sub["pay_fail"] & (rng.random(sa.size) < 0.35))
    add(
        sa[canc],
        sub["canceled_at"][canc] - (rng.uniform(0, 3, canc.size) * DAY).astype(np.int64),
        np.full(canc.size, CANCEL),
    )

    acct = np.concatenate(parts_a)
    t = np.concatenate(parts_t)
    cat = np.concatenate(parts_c)
    keep = (t < cal.export_end) & (t >= acc["t_create"][acct])
    acct, t, cat = acct[keep], t[keep], cat[keep]
    order = np.lexsort((cat, t, acct))
    acct, t, cat = acct[order], t[order], cat[order]
    _, j = expand(np.bincount(acct, minlength=n))
    keep = j < MAX_TICKETS_PER_ACCOUNT
    return {"acct": acct[keep], "created": t[keep], "category": cat[keep], "slot": j[keep]}


def simulate_tickets(spec: ChunkSpec, cal: Calendar, acc: Table, contacts: Table, tk: Table) -> Table:
    """Ticket attributes and metrics: priority, channel, requester, replies, resolution, CSAT."""
    rng = spec.rng("ticket_details")
    m = tk["acct"].size
    a = tk["acct"]
    health = acc["health"][a]
    cat = tk["category"]
    at_risk = health < -0.5
    prio_w = np.where(at_risk[:, None], [0.08, 0.42, 0.30, 0.20], [0.22, 0.56, 0.17, 0.05])
    prio = (rng.random(m)[:, None] >= np.cumsum(prio_w, axis=1)).sum(axis=1).clip(0, 3)
    prio = np.where(cat == PAYMENT, np.maximum(prio, 2), prio)
    prio = np.where(cat == PRE_SALES, np.minimum(prio, 1), prio)

    # Requesters: a contact of the account, sometimes someone the CRM does not know.
    n_contacts = np.bincount(contacts["acct"], minlength=acc["gidx"].size)
    first_contact = np.cumsum(n_contacts) - n_contacts
    slot = (rng.random(m) * n_contacts[a]).astype(np.int64)
    outsider = rng.random(m) < 0.05
    requester_contact = first_contact[a] + slot
    requester_id = 370_000_000_000 + acc["gidx"][a] * 32 + np.where(outsider, 16 + tk["slot"] % 16, slot)

    # First reply: log-normal around a priority-specific median; some never answered.
    median = np.array([900.0, 420.0, 120.0, 35.0])[prio] * np.exp(-0.2 * (acc["seg"][a] >= 2))
    reply = np.maximum(2, np.round(median * rng.lognormal(0.0, 0.9, m))).astype(np.int64)
    replied = rng.random(m) > 0.04
    reply_b = np.minimum(reply - 1, np.floor(reply * rng.uniform(0.3, 0.9, m))).astype(np.int64)
    first_res = reply + np.round(rng.lognormal(np.log(600), 1.0, m)).astype(np.int64)
    reopens = choice(rng, [0.9, 0.08, 0.02], m)
    full_res = first_res + np.where(reopens > 0, np.round(rng.lognormal(np.log(2500), 0.8, m)), 0).astype(np.int64)
    closed_unanswered = ~replied & (rng.random(m) < 0.5)
    first_res = np.where(replied, first_res, np.where(closed_unanswered, reply, NEVER))
    full_res = np.where(replied, full_res, np.where(closed_unanswered, reply, NEVER))
    solved_at = np.where(full_res != NEVER, tk["created"] + full_res * 60, NEVER)
    solved = (solved_at != NEVER) & (solved_at < cal.export_end)
    replied_known = replied & (tk["created"] + reply * 60 < cal.export_end)
    closed = solved & (solved_at + 4 * DAY < cal.export_end)
    open_status = np.where(replied_known, np.array(["open", "pending", "hold"])[choice(rng, [0.5, 0.4, 0.1], m)], "new")
    status = np.where(closed, "closed", np.where(solved, "solved", open_status))
    updated = np.where(
        closed,
        solved_at + 4 * DAY,
        np.where(solved, solved_at, np.where(replied_known, tk["created"] + reply * 60, tk["created"] + 60)),
    )
    updated = np.minimum(updated, cal.export_end - 1)

    offered = solved & (rng.random(m) < 0.6)
    answered = offered & (rng.random(m) < 0.55)
    good = rng.random(m) < sigmoid(1.4 + 1.0 * health - 0.0008 * np.minimum(reply, 3000))
    rating = np.where(answered, np.where(good, "good", "bad"), np.where(offered, "offered", "unoffered"))
    replies = np.where(replied_known, 1 + rng.poisson(1.4, m) + reopens, 0)
    # Business-minute twins of the resolution times.
    first_res_b = np.where(
        first_res != NEVER, np.minimum(first_res - 1, np.floor(first_res * rng.uniform(0.3, 0.8, m))), NEVER
    )
    full_res_b = np.where(
        full_res != NEVER, np.minimum(full_res - 1, np.floor(full_res * rng.uniform(0.3, 0.8, m))), NEVER
    )
    return {
        **tk,
        "id": 1000 + acc["gidx"][a] * MAX_TICKETS_PER_ACCOUNT + tk["slot"],
        "priority": prio,
        "priority_set": rng.random(m) > 0.04,
        "channel": choice(rng, K.TICKET_CHANNEL_WEIGHTS, m),
        "group": np.array([c[2] for c in CATEGORIES])[cat],
        "subject_pick": rng.integers(0, 1 << 20, m),
        "requester_id": requester_id,
        "requester_contact": requester_contact,
        "outsider": outsider,
        "org_set": rng.random(m) < 0.92,
        "escalated": at_risk & (cat == BUG) & (rng.random(m) < 0.3),
        "assignee": 380_000_000_000 + rng.integers(0, N_AGENTS, m),
        "status": status,
        "updated": updated,
        "solved_at": np.where(solved, solved_at, NEVER),
        "replied": replied_known,
        "reply": np.where(replied_known, reply, NEVER),
        "reply_b": np.where(replied_known, reply_b, NEVER),
        "first_res": np.where(solved, first_res, NEVER),
        "first_res_b": np.where(solved, first_res_b, NEVER).astype(np.int64),
        "full_res": np.where(solved, full_res, NEVER),
        "full_res_b": np.where(solved, full_res_b, NEVER).astype(np.int64),
        "reopens": np.where(solved | replied_known, reopens, 0),
        "replies": replies,
        "rating": rating,
        "csat5": np.where(good, rng.integers(4, 6, m), rng.integers(1, 4, m)),
    }


def csv_cutover(cal: Calendar) -> int:
    """Tickets created before this instant were exported from the UI as CSV (about the older
    quarter of all tickets); the API extraction covers the rest."""
    return cal.start + int(0.55 * (cal.export_end - cal.start)) // DAY * DAY


def organizations(spec: ChunkSpec, acc: Table, sub: Table, tickets: Table) -> Table:
    """Zendesk organizations: every paying or trialling account and every account with tickets."""
    rng = spec.rng("organizations")
    n = acc["gidx"].size
    has = np.zeros(n, bool)
    has[sub["acct"]] = True
    has[tickets["acct"]] = True
    rows = np.flatnonzero(has)
    return {
        "acct": rows,
        "id": 360_000_000_000 + acc["gidx"][rows] * 3 + 1,
        "external": rng.random(rows.size) < 0.85,
        "domain_listed": acc["has_domain"][rows] & (rng.random(rows.size) < 0.9),
    }


def users(spec: ChunkSpec, acc: Table, tickets: Table, orgs: Table) -> Table:
    """End-users who filed tickets (CRM contacts or outsiders), one row per requester id."""
    rng = spec.rng("zendesk_users")
    ids, first = np.unique(tickets["requester_id"], return_index=True)
    a = tickets["acct"][first]
    org_of = np.full(acc["gidx"].size, NEVER)
    org_of[orgs["acct"]] = orgs["id"]
    return {
        "id": ids,
        "acct": a,
        "outsider": tickets["outsider"][first],
        "contact": tickets["requester_contact"][first],
        "org": org_of[a],
        "org_set": rng.random(ids.size) < 0.93,
        "created": tickets["created"][first] - rng.integers(60, 3600, ids.size),
    }

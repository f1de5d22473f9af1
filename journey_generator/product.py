"""The simulated business, part 5: product usage as Segment track / identify / group calls.

Every account leaves a few anonymous page views before it signs up (`identify` ties that
anonymous id to its first user). Accounts that use the product (trial or paid subscription)
get a `group` call, users who join by invitation (`Invite Sent` / `Invite Accepted`), logins,
feature use, knowledge-base article views (many in the first weeks, and some just before a
support ticket), report exports, a `/pricing` view before buying and a billing-page view before
cancelling. Activation (the onboarded milestone) is an invited user logging in within 14 days
of accepting; activated accounts log in more (and, in billing, churn less). Non-activated
accounts that invite someone see that person's first login only after the 14-day window.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import constants as K
from .common import NEVER, Calendar, base36, choice, expand, random_tokens
from .fmt import where
from .model import ChunkSpec, Table, gmail, person_names, work_email

DAY = K.DAY
MAX_USERS = np.array([2, 3, 3, 4])  # users who leave events, by segment
# Logins per user per month. Kept modest so a million accounts stay a few GB of events;
# an account with 2-3 users is still active in most months.
LOGINS_ACTIVATED = 0.5
LOGINS_NOT_ACTIVATED = 0.18
# Event codes.
(
    ANON_PAGE,
    IDENTIFY,
    GROUP,
    PAGE,
    DEMO_REQUESTED,
    TRIAL_STARTED,
    INVITE_SENT,
    INVITE_ACCEPTED,
    LOGGED_IN,
    FEATURE_USED,
    ARTICLE_VIEWED,
    REPORT_EXPORTED,
) = range(12)
LOGGED_IN_PATHS = ["/pricing", "/settings/billing"]


def user_table(cal: Calendar, acc: Table, contacts: Table, sub: Table, rng: np.random.Generator) -> Table:
    """Product users per account: user 0 is the primary contact; invitees are colleagues
    (CRM contacts first, then people the CRM does not know)."""
    n = acc["gidx"].size
    product = np.zeros(n, bool)
    product[sub["acct"]] = True
    start = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(start, sub["acct"], sub["start"])
    start = np.where(product, start, NEVER)
    seg = acc["seg"]
    m = np.minimum(acc["seats"], MAX_USERS[seg])
    m = np.where(seg == K.INDIVIDUAL, 1 + (rng.random(n) < 0.4), m)
    m = np.where(acc["activated"], np.maximum(m, 2), m)
    m = np.where(product, m, 1)
    a, j = expand(m)
    u = a.size
    n_contacts = np.bincount(contacts["acct"], minlength=n)
    first_contact = np.cumsum(n_contacts) - n_contacts
    is_contact = j < n_contacts[a]
    crow = first_contact[a] + np.minimum(j, n_contacts[a] - 1)
    first, last = person_names(rng, acc["script"][a], j, acc["name_base"][a])
    domain = acc["domain"].take(pa.array(a))
    outsider_email = where(
        acc["has_domain"][a], work_email(first, last, domain), gmail(first, last, acc["gidx"][a] * 32 + j)
    )
    email = where(is_contact, contacts["email"].take(pa.array(crow)), outsider_email)
    uid_num = ((acc["gidx"][a] * 32 + j) * 7919 + cal.seed * 104_729) % 36**8

    # Join times: user 0 at product start; invitees accept later. User 1 decides activation.
    activated = acc["activated"][a]
    gap = np.where(
        j == 1,
        np.where(activated, rng.exponential(4.0, u), rng.exponential(10.0, u)),
        rng.exponential(20.0, u) * j,
    )
    join = np.where(j == 0, start[a], start[a] + ((gap + 0.05) * DAY).astype(np.int64))
    # Nobody joins after the account's last subscription ended.
    last_end = np.full(n, NEVER)
    np.maximum.at(last_end, sub["acct"], np.where(sub["is_ended"], sub["ended_at"], cal.export_end))
    join = np.where(product[a] & (join < last_end[a]), join, NEVER)
    return {
        "acct": a,
        "j": j,
        "email": email,
        "uid": np.char.add(b"usr_", base36(uid_num, 8)),
        "join": join,
        "activated": activated,
        "start": start[a],
    }


def simulate_events(
    spec: ChunkSpec, cal: Calendar, acc: Table, contacts: Table, sub: Table, tickets: Table
) -> tuple[Table, Table, np.ndarray]:
    """All Segment calls of the chunk: (events, users, anonymous id per account)."""
    rng = spec.rng("events")
    n = acc["gidx"].size
    users = user_table(cal, acc, contacts, sub, rng)
    user0 = np.flatnonzero(users["j"] == 0)  # row of each account's first user (accounts in order)
    anon = np.char.add(
        np.char.add(
            np.char.add(np.char.add(np.char.add(rng_hex(rng, n, 8), b"-"), rng_hex(rng, n, 4)), b"-4"),
            rng_hex(rng, n, 3),
        ),
        np.char.add(b"-a", rng_hex(rng, n, 15)),
    )
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray]] = []

    def add(a: np.ndarray, urow: np.ndarray, t: np.ndarray, code: int, prop: np.ndarray | None = None) -> None:
        parts.append((a, urow, t, code, np.zeros(a.size, np.int64) if prop is None else prop))

    all_a = np.arange(n)
    # Anonymous marketing-site visits before sign-up, then identify at sign-up.
    views = 1 + np.minimum(rng.poisson(0.8, n), 5)
    va, _ = expand(views)
    vt = acc["t_create"][va] - (rng.exponential(6.0, va.size) * DAY).astype(np.int64) - 60
    page_w = np.ones(len(K.MARKETING_PATHS))
    page_w[K.MARKETING_PATHS.index("/pricing")] = 3.0
    page_w[0] = 3.0
    path_code = choice(rng, page_w, va.size)
    path_code = np.where(
        (acc["path"][va] == K.DEMO) & (rng.random(va.size) < 0.4), K.MARKETING_PATHS.index("/demo"), path_code
    )
    add(va, np.full(va.size, -1), vt, ANON_PAGE, path_code)
    add(all_a, user0, acc["t_create"], IDENTIFY)
    demo = np.flatnonzero(acc["t_demo"] != NEVER)
    add(demo, user0[demo], acc["t_demo"][demo], DEMO_REQUESTED)

    # Product accounts.
    joined = users["join"] != NEVER
    jr = np.flatnonzero(joined & (users["j"] == 0))
    add(users["acct"][jr], jr, users["join"][jr], GROUP)
    trial_subs = np.flatnonzero((sub["trial_end"] != NEVER) & (sub["kind"] == 0))
    add(sub["acct"][trial_subs], user0[sub["acct"][trial_subs]], sub["start"][trial_subs] + 5, TRIAL_STARTED)
    inv = np.flatnonzero(joined & (users["j"] >= 1))
    sent = np.maximum(
        users["join"][inv] - (rng.uniform(0.01, 2.0, inv.size) * DAY).astype(np.int64),
        users["start"][inv] + 60,
    )
    add(users["acct"][inv], user0[users["acct"][inv]], sent, INVITE_SENT, inv)
    add(users["acct"][inv], inv, users["join"][inv] + 1, INVITE_ACCEPTED, user0[users["acct"][inv]])

    # Logins per (service window, user).
    w_end = np.where(sub["is_ended"], sub["ended_at"], cal.export_end)
    n_users = np.bincount(users["acct"], minlength=n)
    first_user = np.cumsum(n_users) - n_users
    w, j = expand(n_users[sub["acct"]])
    urow = first_user[sub["acct"][w]] + j
    lo = np.maximum(sub["start"][w], users["join"][urow])
    hi = w_end[w]
    lam = np.where(users["activated"][urow], LOGINS_ACTIVATED, LOGINS_NOT_ACTIVATED) * np.exp(
        0.25 * acc["health"][sub["acct"][w]]
    )
    count = rng.poisson(lam * np.maximum(hi - lo, 0) / (30 * DAY))
    p, _ = expand(count)
    lt = lo[p] + (rng.random(p.size) * (hi - lo)[p]).astype(np.int64)
    lu = urow[p]
    # Non-activated accounts: the invited user 1 does not log in within 14 days of accepting.
    late = ~users["activated"][lu] & (users["j"][lu] == 1) & (lt < users["join"][lu] + 15 * DAY)
    lt = np.where(late, lt + 15 * DAY, lt)
    ok = lt < hi[p]
    lt, lu = lt[ok], lu[ok]
    # Activated accounts: user 1's first login within 14 days of accepting the invite.
    act = np.flatnonzero(joined & users["activated"] & (users["j"] == 1))
    at = users["join"][act] + (rng.uniform(0.02, 13.0, act.size) * DAY).astype(np.int64)
    lt = np.concatenate([lt, at])
    lu = np.concatenate([lu, act])
    add(users["acct"][lu], lu, lt, LOGGED_IN)
    feat = rng.random(lt.size) < 0.3
    add(
        users["acct"][lu[feat]],
        lu[feat],
        lt[feat] + rng.integers(60, 2400, feat.sum()),
        FEATURE_USED,
        choice(rng, [5, 4, 2, 2, 1, 2, 3, 2, 1, 2], int(feat.sum())),
    )
    rep = rng.random(lt.size) < 0.06
    add(users["acct"][lu[rep]], lu[rep], lt[rep] + rng.integers(120, 3600, rep.sum()), REPORT_EXPORTED)

    # Knowledge base: heavy in the first month of a window, light afterwards, and before tickets.
    sa = sub["acct"]
    early = rng.poisson(0.6, sa.size)
    e, _ = expand(early)
    et = sub["start"][e] + (rng.random(e.size) * np.minimum(30 * DAY, w_end[e] - sub["start"][e])).astype(np.int64)
    later = rng.poisson(0.05 * np.maximum(w_end - sub["start"] - 30 * DAY, 0) / (30 * DAY))
    lw, _ = expand(later)
    lt2 = (
        sub["start"][lw] + 30 * DAY + (rng.random(lw.size) * (w_end[lw] - sub["start"][lw] - 30 * DAY)).astype(np.int64)
    )
    product_start = users["start"][user0]
    tk = np.flatnonzero((product_start[tickets["acct"]] != NEVER) & (rng.random(tickets["acct"].size) < 0.3))
    tt = tickets["created"][tk] - rng.integers(300, 5400, tk.size)
    tk_ok = tt >= product_start[tickets["acct"][tk]]
    ka = np.concatenate([sa[e], sa[lw], tickets["acct"][tk][tk_ok]])
    kt = np.concatenate([et, lt2, tt[tk_ok]])
    add(ka, user0[ka], kt, ARTICLE_VIEWED, 100 + rng.integers(0, 60, ka.size))

    # Logged-in page views: pricing before buying, billing settings before cancelling.
    buy = np.flatnonzero(acc["is_customer"] & np.isin(acc["path"], [K.FREE_TRIAL, K.SELF_SERVE, K.REFERRAL]))
    bt = np.maximum(
        acc["t_cust"][buy] - (rng.uniform(0.1, 5, buy.size) * DAY).astype(np.int64), acc["t_create"][buy] + 60
    )
    add(buy, user0[buy], bt, PAGE, np.zeros(buy.size, np.int64))
    canc = np.flatnonzero(sub["is_ended"] & (sub["n_periods"] > 0) & ~sub["pay_fail"])
    add(
        sa[canc],
        user0[sa[canc]],
        sub["canceled_at"][canc] - rng.integers(60, 3600, canc.size),
        PAGE,
        np.ones(canc.size, np.int64),
    )

    ev = {
        "acct": np.concatenate([p[0] for p in parts]),
        "user": np.concatenate([p[1] for p in parts]),
        "ts": np.concatenate([p[2] for p in parts]),
        "code": np.concatenate([np.full(p[0].size, p[3]) for p in parts]),
        "prop": np.concatenate([p[4] for p in parts]),
    }
    keep = (ev["ts"] < cal.export_end) & (ev["ts"] >= cal.start - 62 * DAY)
    ev = {k: v[keep] for k, v in ev.items()}
    order = np.lexsort((ev["code"], ev["ts"]))
    return {k: v[order] for k, v in ev.items()}, users, anon


def rng_hex(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    return random_tokens(rng, n, length, hex_only=True)

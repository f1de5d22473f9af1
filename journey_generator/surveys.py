"""The simulated business, part 4: NPS (and some CSAT / CES) survey responses.

Paying accounts are surveyed every 90 days from their first month; up to two contacts per
wave may answer. The score follows the account's health and drops in the months before a
churn, so accounts that later churn answer lower. Some respondents answer twice within a
month, some type their address in mixed case, a few are unknown to the CRM.
"""

from __future__ import annotations

import numpy as np

from . import constants as K
from .common import NEVER, Calendar, choice, expand
from .model import ChunkSpec, Table

DAY = K.DAY

COMMENTS = {
    "promoter": [
        "Love the journey map, it changed how we run QBRs",
        "Great support team, very responsive",
        "정말 좋아요! 팀 전체가 매일 사용합니다",
        "ใช้งานง่ายมาก ทีมเราชอบ",
        "非常好用，推荐给同行",
        "Très bien, l'équipe l'adore",
        "Easy to set up, fast, reliable",
    ],
    "passive": [
        "Good, but reporting could be faster",
        "Solid product, pricing is a bit high",
        "Bien, mais il manque des intégrations",
        "不错，但是价格偏高",
        "Does the job",
    ],
    "detractor": [
        "Too expensive for what we use",
        "Setup was confusing and support slow",
        "Missing a Salesforce integration, we might switch",
        "Dashboards keep timing out",
        "설정이 너무 복잡해요",
        "Nos facturan de más, muy mal",
    ],
}
SURVEY_TYPES = ["nps", "csat", "ces"]


def simulate_responses(spec: ChunkSpec, cal: Calendar, acc: Table, contacts: Table, sub: Table) -> Table:
    """Survey responses: who (contact), when, score, type and comment category."""
    rng = spec.rng("surveys")
    paid = np.flatnonzero(sub["n_periods"] > 0)
    sa = sub["acct"][paid]
    first = sub["anchor"][paid] + 30 * DAY
    end = np.where(sub["is_ended"][paid], sub["ended_at"][paid], cal.export_end)
    waves = np.where(first < end, (end - first - 1) // (90 * DAY) + 1, 0)
    w, k = expand(waves)
    sent = first[w] + k * 90 * DAY
    # Two potential respondents per wave: the primary contact and another one.
    w2 = np.repeat(w, 2)
    sent2 = np.repeat(sent, 2)
    who = np.tile([0, 1], w.size)
    a = sa[w2]
    n_contacts = np.bincount(contacts["acct"], minlength=acc["gidx"].size)
    first_contact = np.cumsum(n_contacts) - n_contacts
    answer = rng.random(a.size) < np.where(who == 0, 0.32, 0.18 * (n_contacts[a] > 1))
    a, w2, sent2, who = a[answer], w2[answer], sent2[answer], who[answer]
    m = a.size
    slot = np.where(who == 0, 0, 1 + (rng.random(m) * np.maximum(n_contacts[a] - 1, 1)).astype(np.int64))
    slot = np.minimum(slot, n_contacts[a] - 1)
    responded = sent2 + (rng.exponential(2.0, m) * DAY).astype(np.int64) + rng.integers(0, 3600, m)

    # Score: health, plus a drop in the 120 days before the subscription ends.
    sub_end = np.where(sub["is_ended"][paid], sub["ended_at"][paid], NEVER)[w2]
    pre_churn = (sub_end != NEVER) & (sub_end - responded < 120 * DAY)
    latent = 7.0 + 1.5 * acc["health"][a] + rng.normal(0, 1.6, m) - 2.2 * pre_churn

    # Some respondents answer a second time within the same month.
    again = rng.random(m) < 0.04
    r = np.flatnonzero(again)
    second = responded[r] + (rng.uniform(0.05, 6, r.size) * DAY).astype(np.int64)
    same_month = (second // DAY).astype("datetime64[D]").astype("datetime64[M]") == (responded[r] // DAY).astype(
        "datetime64[D]"
    ).astype("datetime64[M]")
    r, second = r[same_month], second[same_month]
    idx = np.concatenate([np.arange(m), r])
    when = np.concatenate([responded, second])
    latent = np.concatenate([latent, latent[r] + rng.normal(0, 1.0, r.size)])
    keep = when < cal.export_end
    idx, when, latent = idx[keep], when[keep], latent[keep]
    a, slot = a[idx], slot[idx]
    n = idx.size

    kind = choice(rng, [0.85, 0.10, 0.05], n)
    nps = np.clip(np.round(latent), 0, 10).astype(np.int64)
    csat = np.clip(np.round(1 + (latent - 2) / 2), 1, 5).astype(np.int64)
    ces = np.clip(np.round(1 + (latent - 1) * 0.6), 1, 7).astype(np.int64)
    score = np.select([kind == 0, kind == 1], [nps, csat], default=ces)
    category = np.where(nps >= 9, 0, np.where(nps >= 7, 1, 2))
    order = np.lexsort((idx, when))
    out = {
        "acct": a,
        "contact": first_contact[a] + slot,
        "responded": when,
        "score": score,
        "kind": kind,
        "category": category,
        "has_comment": rng.random(n) < 0.45,
        "comment_pick": rng.integers(0, 1 << 20, n),
        "case": choice(rng, [0.9, 0.07, 0.03], n),  # 0 as typed in CRM, 1 Capitalised, 2 UPPER
        "unknown": rng.random(n) < 0.02,
        "has_account": rng.random(n) < 0.6,
        "unknown_tag": rng.integers(0, 36**6, n),
    }
    return {key: v[order] for key, v in out.items()}

"""Sample-export generator: a simulated SaaS business written as the files its tools export.

`generate(accounts, seed, out, dirty=False)` writes HubSpot CSVs (crm/), Stripe JSONL
(billing/), Zendesk JSONL + UI CSV (support/), NPS CSV (surveys/) and Segment JSONL per month
(product/) for `accounts` simulated CRM companies. Same seed, same bytes. The CLI wiring lives
in `cli.py` (`add_arguments`, `run_from_args`).

Modules: `model` (accounts, CRM journey), `billing` (Stripe), `support` (Zendesk), `surveys`
(NPS), `product` (Segment events), `writers` (file formats), `fmt` (vectorised rendering),
`pipeline` (chunking, processes, streaming), `dirty` (fault injection + manifest).
"""

from .pipeline import generate

__all__ = ["generate"]

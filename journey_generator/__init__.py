"""Sample-export generator: a simulated SaaS business written as the files its tools export.

`generate(accounts, seed, out, dirty=False)` writes HubSpot CSVs (crm/), Stripe JSONL
(billing/), Zendesk JSONL + UI CSV (support/), NPS CSV (surveys/) and Segment JSONL per month
(product/) for `accounts` simulated CRM companies. Same seed, same bytes. The CLI wiring lives
in `cli.py` (`add_arguments`, `run_from_args`).

Modules: `model` (accounts, CRM journey), `billing` (Stripe), `support` (Zendesk), `surveys`
(NPS), `product` (Segment events), `writers` (file formats), `fmt` (vectorised rendering),
`pipeline` (chunking, processes, streaming), `dirty` (fault injection + manifest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pipeline import generate

__all__ = ["generate"]


def __getattr__(name: str) -> Any:
    # `generate` (and numpy, pyarrow and the simulation modules behind it) loads on first use, so the
    # journey CLI can add `generate`'s options to its parser without loading the generator.
    if name == "generate":
        from .pipeline import generate

        return generate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

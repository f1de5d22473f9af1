"""Journey Warehouse: SaaS customer-journey analytics from tool exports (Dagster + dbt + DuckDB)."""

__version__ = "0.1.0"

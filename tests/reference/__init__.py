"""Independent pure-Python implementations of the marts' definitions (docs/metrics.md).

They read the export files directly and share no code with the dbt SQL, so tests can compare the
warehouse against them. Other domains may add a module here (``revenue`` is the first).
"""

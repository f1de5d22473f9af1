"""The journey-map report: one self-contained HTML page drawn from the marts with Plotly."""

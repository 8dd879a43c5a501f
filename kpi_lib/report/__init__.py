"""Layer 4, report: what a reader sees — the store-month assembly, section tables and
prose, plots, the Excel workbook and its style, the network index, templates. Imports
analysis, metrics, ingest and the base."""

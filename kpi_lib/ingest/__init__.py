"""Layer 1, ingest: the data contract, file readers, validation, the brand workbook and the
DuckDB warehouse. Imports only the base modules (and ``kpi_lib.stats``)."""

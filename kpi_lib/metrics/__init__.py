"""Layer 2, metrics: the KPI registry, derived relations, the cube engine, months,
benchmarks and comparison with verdicts. Imports ingest and the base."""

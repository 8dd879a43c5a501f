"""Layer 3, analysis: diagnosis (rules, checks, findings), trends and control charts,
pipeline, forecast, consultants and scoring, delivery mix, traffic, target plans.
Imports metrics, ingest and the base."""

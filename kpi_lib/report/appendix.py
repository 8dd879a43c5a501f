"""The store report's appendix: the definition of every KPI its tables and funnel show
(a period report's too).

The KPIs are read off the same frames the notebook displays (:func:`report_kpis`, under
the notebook's own conditions), not recorded while it runs: a report's sections may run
on two kernels (:mod:`kpi_lib.run.two_kernels`), and the appendix must list what both show.
``tests/test_every_store.py`` compares it with the labels of every rendered table.
"""

from __future__ import annotations

import pandas as pd

from ..analysis import consultants as cons
from ..analysis import delivery_mix as dm
from ..analysis import pipeline as pl
from ..analysis import traffic as tr
from . import comparison_tables as rc
from . import findings as rdiag
from . import trend_tables as rtr
from .period_report import months_frame
from .store_month import FUNNEL_STAGES, StoreMonth, kpis_named, summary_frame
from .summary import definitions_frame


def report_kpis(sm: StoreMonth) -> list[str]:
    """The KPI ids the store report names in its tables and funnel chart."""
    lang = sm.lang
    frames = [summary_frame(sm), rc.comparison_frame(sm), rc.ranking_frame(sm),
              dm.mix_frame(sm.delivery_mix, lang), dm.aftercare_frame(sm.delivery_mix, lang)]
    if sm.trends is not None:  # a monthly report's (a period report has no trend section)
        frames.append(rtr.trend_frame(sm.trends, lang))
    if sm.traffic is not None:
        frames += [tr.spend_frame(sm.traffic, lang), tr.spend_channel_frame(sm.traffic, lang),
                   tr.traffic_frame(sm.traffic, lang)]
    if sm.is_period:
        frames.append(months_frame(sm))
    if sm.findings:
        frames.append(rdiag.evidence_frame(sm))
    if sm.pipeline.has_leads:
        frames.append(pl.grades_frame(sm.pipeline, lang))
    if sm.pipeline.compliance is not None:
        frames.append(pl.compliance_frame(sm.pipeline, lang))
    if not sm.consultants.table.empty:
        frames += [cons.consultant_frame(sm.consultants, lang),
                   cons.score_frame(sm.consultants, lang)]
    if sm.traffic is not None and len(sm.traffic.sources):
        frames.append(tr.source_frame(sm.traffic, lang))
    funnel = [i for stage in FUNNEL_STAGES for i in stage if i]
    return list(dict.fromkeys([*(i for f in frames for i in kpis_named(f)), *funnel]))


def appendix_frame(sm: StoreMonth) -> pd.DataFrame:
    """The appendix table: every KPI the report shows, with its definition."""
    return definitions_frame(sm.lang, report_kpis(sm))

"""The KPIs of the registry, declared as data, one function per report section.

Each entry is one KPI: id, Chinese and English label, unit, direction, section, its
measure (``_m``) or ratio of other ids (``_r``), and its definition in both languages.
The types are in :mod:`kpi_lib.ingest.kpi_types`; :mod:`kpi_lib.metrics.registry`
assembles them in funnel order.
"""

from __future__ import annotations

from .kpi_types import Direction, Measure, Metric, MetricType, Section, Unit
from .schema import CHANNELS


def _in(date: str) -> str:
    return f"{date} >= {{start}} AND {date} < {{end}}"


def _visits(where: str | None = None, requires: tuple[str, ...] = ()) -> Measure:
    return Measure("visits", "in_month", "date", where, requires=requires)


def _deliveries(where: str | None = None, column: str | None = None,
                requires: tuple[str, ...] = ()) -> Measure:
    return Measure("orders", "in_month", "delivered", where, column, requires)


def _orders(where: str | None = None, requires: tuple[str, ...] = ()) -> Measure:
    return Measure("orders", "in_month", "order_date", where, requires=requires)


def _m(id: str, zh: str, en: str, unit: Unit, direction: Direction, section: Section,
       measure: Measure, definition: str, definition_zh: str) -> Metric:
    kind: MetricType = ("median" if measure.median else "sum") if measure.column else "count"
    return Metric(id, zh, en, kind, unit, direction, section, definition, definition_zh,
                  measure=measure)


def _r(id: str, zh: str, en: str, unit: Unit, direction: Direction, section: Section,
       numerator: str, denominator: str | tuple[str, ...], definition: str,
       definition_zh: str) -> Metric:
    den = (denominator,) if isinstance(denominator, str) else denominator
    return Metric(id, zh, en, "ratio", unit, direction, section, definition, definition_zh,
                  numerator=numerator, denominator=den)


_CHANNEL_EN = {
    "walk_in": "walk-in", "fleet": "fleet / industry", "existing_customer":
    "existing customers", "outdoor": "outdoor display", "secondary_outlet":
    "secondary outlets", "other": "other",
}

_NO_SPEND = "; n/a when the store has no marketing row for M"
_NO_SPEND_ZH = "；当月无广宣投放记录时为 n/a"



def _traffic() -> list[Metric]:
    """集客: ad spend, visits, calls, capture, dwell, cost per visit."""
    return [
        # --- traffic (集客) ---------------------------------------------------------
        _m("ad_spend", "本月广宣投放(元)", "Ad spend (CNY)", "yuan", None, "traffic",
           Measure("marketing", "month_is", "month", column="spend", na_without_rows=True),
           "Σ marketing spend for M" + _NO_SPEND, "当月广宣投放金额合计" + _NO_SPEND_ZH),
        _m("visits", "来店批次", "Showroom visits (batches)", "count", "up", "traffic",
           _visits(), "Visit batches in M", "当月来店批次"),
        _m("first_visits", "首次来店批数", "First visits", "count", "up", "traffic",
           _visits("first_visit"), "Visits in M flagged first visit", "当月首次来店批次"),
        _m("repeat_visits", "二次以上来店批数", "Repeat visits", "count", "up", "traffic",
           _visits("NOT first_visit"), "Visits in M not flagged first visit",
           "当月二次及以上来店批次"),
        _r("repeat_visit_share", "二次来店比例", "Repeat-visit share", "rate", "up", "traffic",
           "repeat_visits", "visits", "Repeat visits / visits", "二次以上来店批数 / 来店批次"),
        _m("captured_visits", "留档批次", "Visits with details kept", "count", "up", "traffic",
           _visits("lead_captured"), "Visits in M whose contact details were kept",
           "当月来店并留档的批次"),
        _r("lead_capture_rate", "来店客户留档率", "Lead capture rate", "rate", "up", "traffic",
           "new_leads", "visits", "New leads (info cards) / visits",
           "新增意向客户数 / 来店批次"),
        _r("visit_capture_rate", "来店留资批次比例", "Visits leaving details", "rate", "up",
           "traffic", "captured_visits", "visits", "Visits with details kept / visits",
           "留档批次 / 来店批次 (登记表的留档标记)"),
        _m("invited_visits", "主动邀约到店数", "Invited visits", "count", "up", "traffic",
           _visits("invited", ("invited",)), "Visits in M booked by a consultant",
           "当月经顾问邀约到店的批次"),
        _m("calls", "来电批次", "Phone inquiries", "count", "up", "traffic",
           Measure("calls", "in_month", "date"), "Phone inquiries in M", "当月来电批次"),
        _m("callers_last_month", "上月来电客户数", "Callers of last month", "count", None,
           "traffic", Measure("callers", "month_is", "month"),
           "Distinct customer ids that called the store in M−1",
           "上月来电客户数（按客户编号去重）"),
        _m("callers_visited", "上月来电客户到店数", "Callers of last month who visited",
           "count", "up", "traffic", Measure("callers", "month_is", "month", "visited"),
           "Callers of M−1 (distinct customer ids) who visited the store after their call "
           "and before the end of M", "上月来电客户中在来电之后至本月底到店的人数"),
        _r("invite_to_visit_rate", "来电客户邀约来店率", "Phone invite-to-visit rate", "rate",
           "up", "traffic", "callers_visited", "callers_last_month",
           "Callers of M−1 who visited by the end of M / callers of M−1",
           "上月来电客户到店数 / 上月来电客户数"),
        _m("anonymous_calls_last_month", "上月无客户编号来电", "Calls of last month without a "
           "customer id", "count", None, "traffic",
           Measure("anonymous_calls", "month_is", "month"),
           "Calls in M−1 without a customer id (cannot be followed to a visit)",
           "上月来电中无客户编号（无法追踪到店）的来电次数"),
        _m("dwell_minutes", "展厅停留时间（中位数）", "Showroom dwell time (median)", "minutes",
           None, "traffic", Measure("dwell", "in_month", "date", column="minutes",
                                    median=True),
           "Median of time out − time in (minutes) over visits of M with time out after "
           "time in", "当月离店时间晚于进店时间的来店批次的停留分钟数中位数"),
        _r("cost_per_visit", "单批次来店成本", "Cost per visit", "yuan_per", "down", "traffic",
           "ad_spend", "visits", "Ad spend / visits" + _NO_SPEND,
           "广宣投放 / 来店批次" + _NO_SPEND_ZH),
    ]


def _leads() -> list[Metric]:
    """意向客户促进: leads, test drives, negotiations, follow-ups, lost."""
    return [
        # --- leads (意向客户促进) ----------------------------------------------------
        _m("new_leads", "新增意向客户数", "New leads", "count", "up", "leads",
           Measure("leads", "in_month", "created"), "Leads created in M", "当月新建客户卡数"),
        _m("carried_leads", "留存意向客户数量", "Carried-over leads", "count", None, "leads",
           Measure("leads", "open_at_start", "created",
                   "status = 'open' OR status_date >= {start}"),
           "Leads open at the start of M: created before M, and status open or status "
           "date on/after the first day of M",
           "月初仍在跟进的意向客户：建卡早于当月，且状态为跟进中或状态日期不早于当月1日"),
        _r("cost_per_lead", "单个意向客户成本", "Cost per lead", "yuan_per", "down", "leads",
           "ad_spend", "new_leads", "Ad spend / new leads" + _NO_SPEND,
           "广宣投放 / 新增意向客户数" + _NO_SPEND_ZH),
        _m("test_drives", "试乘试驾批次", "Test drives", "count", "up", "leads",
           _visits("test_drive"), "Visits in M with a test drive", "当月来店并试乘试驾的批次"),
        _r("test_drive_rate", "试乘试驾率", "Test-drive rate", "rate", "up", "leads",
           "test_drives", "visits", "Test drives / visits", "试乘试驾批次 / 来店批次"),
        _m("negotiations", "商洽批次", "Negotiations", "count", "up", "leads",
           _visits("negotiated", ("negotiated",)), "Visits in M with a price negotiation",
           "当月来店并商洽的批次"),
        _r("negotiation_rate", "商洽率", "Negotiation rate", "rate", "up", "leads",
           "negotiations", "test_drives", "Negotiations / test drives (n/a without the "
           "negotiated column)", "商洽批次 / 试乘试驾批次（无商洽字段时为 n/a）"),
        _m("new_leads_ordered", "新增意向客户当月下单数", "New leads ordering this month (count)",
           "count", "up", "leads",
           Measure("leads", "in_month", "created",
                   "len(list_filter(order_months, lambda o: o >= {start} AND o < {end})) > 0"),
           "Leads created in M with an order dated in M (each lead once)",
           "当月建卡且当月有订单的客户数（每位客户计一次）"),
        _r("new_lead_order_share", "新增意向客户当月下单比例", "New leads ordering this month",
           "rate", "up", "leads", "new_leads_ordered", "new_leads",
           "Leads created in M with an order dated in M / leads created in M",
           "当月建卡且当月有订单的客户数 / 当月建卡客户数"),
        _m("lost_leads", "战败客户数", "Lost leads", "count", "down", "leads",
           Measure("leads", "in_month", "status_date", "status = 'lost'"),
           "Leads with status lost and status date in M", "状态为战败且状态日期在当月的客户数"),
        _m("open_leads_new", "本月建卡在跟进客户", "Open leads carded this month", "count",
           None, "leads", Measure("lead_stock", "month_is", "month", "new"),
           "Leads created in M and open at M's as-of date (its last day, or the data's last "
           "date inside M); leads that ordered and await delivery count as O",
           "当月建卡、截至统计日（月末，数据止于月中时为数据最后一天）仍在跟进的客户；"
           "已下单待交车的计为 O 级"),
        _m("open_leads_carried", "此前建卡在跟进客户", "Open leads carded earlier", "count",
           None, "leads", Measure("lead_stock", "month_is", "month", "NOT new"),
           "Leads created before M and open at M's as-of date (O: ordered, awaiting "
           "delivery)", "当月之前建卡、截至统计日仍在跟进的客户（已下单待交车的计为 O 级）"),
        _m("open_leads", "在跟进客户合计", "Open leads (total)", "count", None, "leads",
           Measure("lead_stock", "month_is", "month"),
           "Leads open at M's as-of date, new and carried (O: ordered, awaiting delivery)",
           "截至统计日仍在跟进的客户合计（本月建卡 + 此前建卡）"),
        _m("overdue_leads", "超期未跟进客户", "Overdue leads", "count", "down", "leads",
           Measure("lead_stock", "month_is", "month", "overdue", requires=("overdue",)),
           "Open leads at M's as-of date whose last contact (last follow-up, else card "
           "creation) is more than the grade's frequency + grace days before it "
           "(params/pipeline.yml)",
           "截至统计日仍在跟进、最后一次接触（最后跟进，无则建卡）距统计日超过该级别跟进频次 "
           "+ 宽限天数的客户（params/pipeline.yml）"),
        _m("leads_followup_due", "有到期跟进的客户数", "Leads with follow-ups due", "count",
           None, "leads", Measure("lead_followups", "month_is", "month"),
           "Leads with at least one follow-up due in M (see followups_due)",
           "当月至少有一次跟进到期的客户数"),
        _m("followups_due", "到期跟进次数", "Follow-ups due", "count", None, "leads",
           Measure("lead_followups", "month_is", "month", column="due"),
           "Follow-ups due in M: a lead's k-th is due k × its grade's frequency days after "
           "the card, counted inside its open span in M (params/pipeline.yml)",
           "当月到期跟进次数：第k次跟进在建卡后 k×该级别频次 天到期，只计当月在跟进期间"
           "（params/pipeline.yml）"),
        _m("followups_done", "实际跟进次数", "Follow-ups made", "count", "up", "leads",
           Measure("lead_followups", "month_is", "month", column="done"),
           "Follow-ups logged in M inside the lead's open span, at most as many as were due "
           "(per lead)", "当月在跟进期间实际跟进次数（每位客户不超过到期次数）"),
        _r("followup_compliance", "跟进执行率", "Follow-up compliance", "rate", "up", "leads",
           "followups_done", "followups_due", "Follow-ups made / follow-ups due in M",
           "实际跟进次数 / 到期跟进次数"),
        _r("lost_rate", "战败率", "Lost rate", "rate", "down", "leads", "lost_leads",
           ("carried_leads", "new_leads"), "Lost leads / (carried-over leads + new leads)",
           "战败客户数 / (留存意向客户数 + 新增意向客户数)"),
        _m("out_of_control_leads", "失控客户数", "Leads out of control", "count", "down",
           "leads", Measure("leads", "in_month", "status_date", "status = 'out_of_control'"),
           "Leads with status out of control and status date in M",
           "状态为失控且状态日期在当月的客户数"),
        _r("out_of_control_rate", "失控率", "Out-of-control rate", "rate", "down", "leads",
           "out_of_control_leads", ("carried_leads", "new_leads"),
           "Leads out of control / (carried-over leads + new leads)",
           "失控客户数 / (留存意向客户数 + 新增意向客户数)"),
    ]


def _closing() -> list[Metric]:
    """成交: orders, conversions, deliveries, targets, money."""
    return [
        # --- closing (成交) ----------------------------------------------------------
        _m("orders", "本月产生订单合计数", "Orders", "count", "up", "closing", _orders(),
           "Orders dated in M, cancelled ones included", "订单日期在当月的订单数（含退订）"),
        _m("orders_new_leads", "新增意向客户产生订单数", "Orders from new leads", "count", "up",
           "closing", _orders(_in("lead_created"), ("lead_id",)),
           "Orders in M whose lead was created in M", "当月订单中客户卡建于当月的订单数"),
        _m("orders_carried_leads", "留存意向客户产生订单数", "Orders from carried-over leads",
           "count", "up", "closing", _orders("lead_created < {start}", ("lead_id",)),
           "Orders in M whose lead was created before M", "当月订单中客户卡建于当月之前的订单数"),
        _r("conversion_b", "新增意向客户订单转化率B", "Conversion B (new leads)", "rate", "up",
           "closing", "orders_new_leads", "new_leads", "Orders from new leads / new leads",
           "新增意向客户产生订单数 / 新增意向客户数"),
        _r("conversion_a", "留存意向客户订单转化率A", "Conversion A (carried-over leads)",
           "rate", "up", "closing", "orders_carried_leads", "carried_leads",
           "Orders from carried-over leads / carried-over leads",
           "留存意向客户产生订单数 / 留存意向客户数量"),
        _m("walk_in_orders", "展厅订单数", "Showroom orders", "count", "up", "closing",
           _orders("channel = 'walk_in'"), "Orders in M with channel walk-in",
           "当月渠道为来店的订单数"),
        _r("showroom_close_rate", "展厅成交率", "Showroom close rate", "rate", "up", "closing",
           "walk_in_orders", "visits", "Showroom orders / visits", "展厅订单数 / 来店批次"),
        _r("negotiation_close_rate", "商洽成交率", "Close rate after negotiation", "rate",
           "up", "closing", "walk_in_orders", "negotiations",
           "Showroom orders / negotiations (n/a without the negotiated column)",
           "展厅订单数 / 商洽批次（无商洽字段时为 n/a）"),
        _r("cost_per_order", "单个订单成本", "Cost per order", "yuan_per", "down", "closing",
           "ad_spend", "orders", "Ad spend / orders" + _NO_SPEND,
           "广宣投放 / 订单数" + _NO_SPEND_ZH),
        _m("cancellations", "退订数", "Cancellations", "count", "down", "closing",
           Measure("orders", "in_month", "cancelled"),
           "Orders cancelled in M, whenever they were placed", "当月退订的订单数（不论何时下单）"),
        _m("carried_orders", "留存订单及全款数", "Carried-over undelivered orders", "count",
           None, "closing",
           Measure("orders", "open_at_start", "order_date",
                   "(delivered IS NULL OR delivered >= {start}) "
                   "AND (cancelled IS NULL OR cancelled >= {start})", requires=("delivered",)),
           "Orders dated before M, neither delivered nor cancelled before the first day of M",
           "当月之前的订单中，月初既未交车也未退订的订单数"),
        _m("deliveries", "本月展厅交车数", "Deliveries", "count", "up", "closing",
           _deliveries(), "Orders delivered in M", "交车日期在当月的订单数"),
        _r("delivery_conversion", "交车转化率", "Delivery conversion", "rate", "up", "closing",
           "deliveries", ("carried_orders", "orders"),
           "Deliveries / (carried-over orders + orders)", "交车数 / (留存订单数 + 当月订单数)"),
        _m("target_units", "目标台数", "Target (units)", "count", None, "closing",
           Measure("targets", "month_is", "month", "consultant_id IS NULL", "units",
                   fallback="consultant_id IS NOT NULL", na_without_rows=True),
           "Target units for M: the store row, or Σ consultant rows when there is no store "
           "row; n/a without a target", "当月目标台数：门店行；无门店行时为各顾问目标之和"),
        _r("target_completion", "销售完成率", "Target completion", "rate", "up", "closing",
           "deliveries", "target_units", "Deliveries / target units", "交车数 / 目标台数"),
        _m("target_revenue", "目标金额", "Target (revenue, CNY)", "yuan", None, "closing",
           Measure("targets", "month_is", "month", "consultant_id IS NULL", "revenue",
                   requires=("revenue",), fallback="consultant_id IS NOT NULL",
                   na_without_rows=True),
           "Target revenue for M: the store row, or Σ consultant rows when there is no store "
           "row; n/a without a target or a revenue column",
           "当月目标金额：门店行；无门店行时为各顾问目标之和；无目标或无目标金额列时为 n/a"),
        _m("delivered_revenue", "交车金额", "Delivered revenue", "yuan", "up", "closing",
           _deliveries(column="price"), "Σ price of deliveries in M", "当月交车成交价合计"),
        _r("revenue_completion", "销售额完成率", "Revenue target completion", "rate", "up",
           "closing", "delivered_revenue", "target_revenue",
           "Delivered revenue / target revenue", "交车金额 / 目标金额"),
        _r("avg_deal_value", "客单价", "Average deal value", "yuan_per", "up", "closing",
           "delivered_revenue", "deliveries", "Delivered revenue / deliveries",
           "交车金额 / 交车数"),
        _m("receivable", "应收金额", "Receivable", "yuan", None, "closing",
           _deliveries(column="receivable"), "Σ receivable over deliveries in M",
           "当月交车的应收金额合计"),
        _m("collected", "已收金额", "Collected", "yuan", "up", "closing",
           _deliveries(column="collected"), "Σ collected over deliveries in M",
           "当月交车的已收金额合计"),
        _r("collection_rate", "回款率", "Collection rate", "rate", "up", "closing",
           "collected", "receivable", "Collected / receivable, over deliveries in M",
           "已收金额 / 应收金额（当月交车）"),
        _m("insured_deliveries", "新车投保数", "Insured deliveries", "count", "up", "closing",
           _deliveries("insurance", requires=("insurance",)),
           "Deliveries in M insured through the store", "当月交车中在店投保的台数"),
        _r("insurance_rate", "新车投保率", "Insurance penetration", "rate", "up", "closing",
           "insured_deliveries", "deliveries", "Insured deliveries / deliveries",
           "新车投保数 / 交车数"),
        _m("ceremonies", "交车仪式数", "Delivery ceremonies", "count", "up", "closing",
           _deliveries("ceremony", requires=("ceremony",)),
           "Deliveries in M with a delivery ceremony", "当月交车中执行交车仪式的台数"),
        _r("ceremony_rate", "交车仪式执行率", "Delivery-ceremony rate", "rate", "up", "closing",
           "ceremonies", "deliveries", "Ceremonies / deliveries", "交车仪式数 / 交车数"),
    ]


def _delivery_mix() -> list[Metric]:
    """交车结构: deliveries and their share by channel, and trade-ins."""
    out = []
    for code, zh in CHANNELS.items():
        en = _CHANNEL_EN[code]
        out.append(_m(f"deliveries_{code}", f"{zh}交车数", f"Deliveries: {en}", "count", None,
                      "delivery_mix", _deliveries(f"channel = '{code}'"),
                      f"Deliveries in M with channel {code}", f"当月渠道为{zh}的交车数"))
    for code, zh in CHANNELS.items():
        out.append(_r(f"delivery_share_{code}", f"{zh}交车占比",
                      f"Delivery share: {_CHANNEL_EN[code]}", "rate",
                      {"existing_customer": "up", "walk_in": "down"}.get(code),
                      "delivery_mix", f"deliveries_{code}", "deliveries",
                      f"Deliveries with channel {code} / deliveries", f"{zh}交车数 / 交车数"))
    return out + [
        _m("trade_in_deliveries", "二手车置换交车数", "Trade-in deliveries", "count", "up",
           "delivery_mix", _deliveries("trade_in"), "Deliveries in M with a used-car trade-in",
           "当月交车中二手车置换的台数"),
        _r("trade_in_share", "二手车置换占比", "Trade-in share", "rate", "up", "delivery_mix",
           "trade_in_deliveries", "deliveries", "Trade-in deliveries / deliveries",
           "二手车置换交车数 / 交车数"),
    ]


def _aftercare() -> list[Metric]:
    """保有客户维系: calls, letters and referrals after delivery."""
    return [
        # --- owner retention (保有客户维系) ------------------------------------------
        _m("call_3d_deliveries", "3日电话回访数", "3-day calls", "count", "up", "aftercare",
           _deliveries("call_3d", requires=("call_3d",)),
           "Deliveries in M called within 3 days", "当月交车中3日内电话回访的台数"),
        _r("call_3d_rate", "交车3日电话回访执行率", "3-day call follow-up rate", "rate", "up",
           "aftercare", "call_3d_deliveries", "deliveries", "3-day calls / deliveries",
           "3日电话回访数 / 交车数"),
        _m("letter_7d_deliveries", "7日信函回访数", "7-day letters", "count", "up", "aftercare",
           _deliveries("letter_7d", requires=("letter_7d",)),
           "Deliveries in M written to within 7 days", "当月交车中7日内信函回访的台数"),
        _r("letter_7d_rate", "交车7日信函回访执行率", "7-day letter follow-up rate", "rate",
           "up", "aftercare", "letter_7d_deliveries", "deliveries",
           "7-day letters / deliveries", "7日信函回访数 / 交车数"),
        _m("referral_deliveries", "推荐购车数", "Referral deliveries", "count", "up",
           "aftercare", _deliveries("referral", requires=("referral",)),
           "Deliveries in M referred by an owner", "当月交车中保有客户推荐购车的台数"),
        _r("referral_rate", "保有客户推荐率", "Referral rate", "rate", "up", "aftercare",
           "referral_deliveries", "deliveries", "Referral deliveries / deliveries",
           "推荐购车数 / 交车数"),
    ]


def declared() -> list[Metric]:
    """Every KPI, in funnel order (traffic → leads → closing → delivery mix → aftercare)."""
    return [*_traffic(), *_leads(), *_closing(), *_delivery_mix(), *_aftercare()]

"""The input data contract (shared/DATA_CONTRACT.md v1) as data.

One declaration per table: canonical English column names, the Chinese headers that
dealers' exports use, the kind of value, whether the column is required, and the allowed
values of coded columns. Ingest, the warehouse, the demo generator and the tests all read
this module; nothing else spells out column names of the input tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["str", "date", "time", "month", "bool", "number"]

#: Spellings accepted for booleans (compared after strip + lower-case).
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是", "t", "1.0", "√", "✓"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否", "f", "0.0", "×"})

#: Order channels: canonical code -> Chinese label (the template's delivery-mix rows).
CHANNELS: dict[str, str] = {
    "walk_in": "来店",
    "fleet": "行业开拓",
    "existing_customer": "保有客户",
    "outdoor": "户外展示",
    "secondary_outlet": "二级网点",
    "other": "其他",
}

LEAD_GRADES = ("O", "H", "A", "B", "C")

LEAD_STATUSES: dict[str, tuple[str, ...]] = {
    "open": ("跟进中", "意向", "open"),
    "ordered": ("已订单", "订单", "成交", "ordered"),
    "lost": ("战败", "lost"),
    "out_of_control": ("失控", "out_of_control", "out of control"),
}

FOLLOWUP_KINDS: dict[str, tuple[str, ...]] = {
    "call": ("电话", "call"),
    "visit": ("到店", "来店", "visit"),
    "message": ("短信", "微信", "message"),
    "letter": ("信函", "letter"),
}

CONSULTANT_ROLES: dict[str, tuple[str, ...]] = {
    "sales": ("销售顾问", "sales"),
    "manager": ("销售经理", "manager"),
}


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    kind: Kind
    required: bool = True
    aliases: tuple[str, ...] = ()
    #: canonical code -> accepted spellings (besides the code itself)
    choices: dict[str, tuple[str, ...]] | None = None
    non_negative: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header accepted for this column, canonical name first."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Table:
    """One input table: a CSV file or an xlsx sheet named after it."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    #: column whose values must be unique (None: no single-column key)
    key: str | None = None
    #: column -> referenced table (its key), checked after all tables are read
    references: dict[str, str] = field(default_factory=dict)
    #: extra file stems accepted for this table (Chinese form names)
    file_aliases: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        """The column called ``name`` (KeyError if the contract has none)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _c(name: str, kind: Kind, *aliases: str, required: bool = True, **kw) -> Column:
    return Column(name=name, kind=kind, required=required, aliases=aliases, **kw)


def _channel_choices() -> dict[str, tuple[str, ...]]:
    return {code: (zh,) for code, zh in CHANNELS.items()}


_STORE = _c("store_id", "str", "门店代码", "门店编号", "经销商代码")
_CONSULTANT_OPT = _c("consultant_id", "str", "顾问编号", "销售顾问编号", required=False)
_CUSTOMER_OPT = _c("customer_id", "str", "客户编号", required=False)
_MODEL_OPT = _c("model", "str", "意向车型", "车型", required=False)
_SOURCE_OPT = _c("source", "str", "信息来源", "来源", required=False)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "stores",
            "门店",
            (
                _STORE,
                _c("store_name", "str", "门店名称", "经销商名称"),
                _c("region", "str", "区域", "大区"),
                _c("city", "str", "城市", required=False),
                _c("tier", "str", "级别", "门店级别", required=False),
            ),
            key="store_id",
            file_aliases=("门店",),
        ),
        Table(
            "consultants",
            "销售顾问",
            (
                _c("consultant_id", "str", "顾问编号", "销售顾问编号"),
                _STORE,
                _c("name", "str", "姓名", "顾问姓名"),
                _c("role", "str", "岗位", "角色", required=False, choices=CONSULTANT_ROLES),
                _c("hired", "date", "入职日期", required=False),
                _c("left", "date", "离职日期", required=False),
            ),
            key="consultant_id",
            references={"store_id": "stores"},
            file_aliases=("销售顾问",),
        ),
        Table(
            "visits",
            "来店客户登记表",
            (
                _c("visit_id", "str", "来店编号", "登记编号"),
                _STORE,
                _c("date", "date", "来店日期", "日期"),
                _c("time_in", "time", "来店时间", "进店时间", required=False),
                _c("time_out", "time", "离店时间", required=False),
                _CONSULTANT_OPT,
                _CUSTOMER_OPT,
                _c("first_visit", "bool", "首次来店"),
                _SOURCE_OPT,
                _MODEL_OPT,
                _c("lead_captured", "bool", "留档", "是否留档"),
                _c("test_drive", "bool", "试乘试驾", "是否试驾"),
                _c("negotiated", "bool", "商洽", "洽谈", required=False),
                _c("invited", "bool", "邀约到店", required=False),
            ),
            key="visit_id",
            references={"store_id": "stores", "consultant_id": "consultants"},
            file_aliases=("来店客户登记表",),
        ),
        Table(
            "calls",
            "来电客户登记表",
            (
                _c("call_id", "str", "来电编号"),
                _STORE,
                _c("date", "date", "来电日期", "日期"),
                _c("time", "time", "来电时间", "时间", required=False),
                _CONSULTANT_OPT,
                _CUSTOMER_OPT,
                _SOURCE_OPT,
                _MODEL_OPT,
                _c("invited", "bool", "邀约", "是否邀约"),
            ),
            key="call_id",
            references={"store_id": "stores", "consultant_id": "consultants"},
            file_aliases=("来电客户登记表",),
        ),
        Table(
            "leads",
            "客户信息卡",
            (
                _c("lead_id", "str", "客户卡编号", "意向客户编号", "线索编号"),
                _STORE,
                _c("consultant_id", "str", "顾问编号", "销售顾问编号"),
                _CUSTOMER_OPT,
                _c("created", "date", "建卡日期"),
                _c("source", "str", "来源", "信息来源"),
                _MODEL_OPT,
                _c("grade", "str", "级别", "意向级别", choices={g: () for g in LEAD_GRADES}),
                _c("status", "str", "状态", "客户状态", choices=LEAD_STATUSES),
                _c("status_date", "date", "状态日期", required=False),
                _c("lost_reason", "str", "战败原因", required=False),
                _c("competitor", "str", "战败车型", "战败品牌", required=False),
            ),
            key="lead_id",
            references={"store_id": "stores", "consultant_id": "consultants"},
            file_aliases=("客户信息卡", "意向客户接触状况表"),
        ),
        Table(
            "followups",
            "营业日报表",
            (
                _c("lead_id", "str", "客户卡编号", "意向客户编号", "线索编号"),
                _c("date", "date", "跟进日期", "日期"),
                _c("kind", "str", "跟进方式", "方式", choices=FOLLOWUP_KINDS),
                _c("grade_after", "str", "跟进后级别", required=False,
                   choices={g: () for g in LEAD_GRADES}),
            ),
            references={"lead_id": "leads"},
            file_aliases=("营业日报表",),
        ),
        Table(
            "orders",
            "订单",
            (
                _c("order_id", "str", "订单编号", "订单号"),
                _STORE,
                _c("consultant_id", "str", "顾问编号", "销售顾问编号"),
                _c("lead_id", "str", "客户卡编号", "意向客户编号", "线索编号", required=False),
                _c("order_date", "date", "订单日期", "签约日期"),
                _c("model", "str", "车型"),
                _c("price", "number", "成交价", "价格", "成交价格", non_negative=True),
                _c("channel", "str", "渠道", "成交渠道", "客户来源", choices=_channel_choices()),
                _c("trade_in", "bool", "二手车置换", "置换"),
                _c("insurance", "bool", "投保", "新车投保", required=False),
                _c("delivered", "date", "交车日期", required=False),
                _c("cancelled", "date", "退订日期", required=False),
                _c("receivable", "number", "应收", "应收金额", required=False, non_negative=True),
                _c("collected", "number", "已收", "已收金额", required=False, non_negative=True),
                _c("ceremony", "bool", "交车仪式", required=False),
                _c("call_3d", "bool", "3日电话回访", "三日电话回访", required=False),
                _c("letter_7d", "bool", "7日信函回访", "七日信函回访", required=False),
                _c("referral", "bool", "推荐购车", "推荐", required=False),
            ),
            key="order_id",
            references={"store_id": "stores", "consultant_id": "consultants",
                        "lead_id": "leads"},
            file_aliases=("订单", "交车"),
        ),
        Table(
            "marketing",
            "广宣投放",
            (
                _STORE,
                _c("month", "month", "月份"),
                _c("channel", "str", "渠道", "投放渠道", required=False),
                _c("spend", "number", "投放金额", "费用", "金额", non_negative=True),
            ),
            references={"store_id": "stores"},
            file_aliases=("广宣投放",),
        ),
        Table(
            "targets",
            "销售目标",
            (
                _STORE,
                _c("month", "month", "月份"),
                _c("consultant_id", "str", "顾问编号", "销售顾问编号", required=False),
                _c("units", "number", "目标台数", "台数", non_negative=True),
                _c("revenue", "number", "目标金额", "销售额目标", required=False,
                   non_negative=True),
            ),
            references={"store_id": "stores", "consultant_id": "consultants"},
            file_aliases=("销售目标",),
        ),
    )
}

#: DuckDB column type for each kind of value (the warehouse's typed tables).
DUCKDB_TYPES: dict[Kind, str] = {
    "str": "VARCHAR",
    "date": "DATE",
    "time": "TIME",
    "month": "VARCHAR",  # 'YYYY-MM'
    "bool": "BOOLEAN",
    "number": "DOUBLE",
}

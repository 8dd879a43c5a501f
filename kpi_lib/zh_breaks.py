"""Where a Chinese table header may wrap: between words, never inside one.

Chinese has no spaces, so a narrow header cell breaks anywhere ("新增意/向客户数"). The
report's headers come from a closed vocabulary (registry labels, the catalogue), so a
longest-match over the domain words below splits them into words; a single character
left over joins the word before it (no "率" alone on a line). :func:`header_html` turns a
header into words that do not break inside, with break opportunities between them.
"""

from __future__ import annotations

import html
import re

_WORDS = """
新增 意向 客户 意向客户 当月 本月 上月 此前 去年 同月 去年同月 下单 比例 占比 产生 订单 合计
交车 目标 销售 完成率 得分 来店 留资 留档 批次 批数 转化率 建卡 跟进 超期 到期 展厅 停留 时间
中位数 来电 邀约 二次 以上 留存 电话 回访 执行率 团队 客单价 回款率 综合 评分 等级 过程 行为
试乘试驾 试乘试驾率 首次 广宣 投放 战败 失控 金额 成本 单批次 单个 渠道 信息 来源 顾问 销售顾问
级别 次数 实际 客户数 台数 全款数 退订 商洽 成交率 成交 应收 已收 新车 投保 投保率 推荐 购车
保有客户 推荐率 二手车 置换 仪式 信函 户外 展示 行业 开拓 二级 网点 其他 主动 到店 无客户 编号
标杆 全网 全国 区域 平均 差距 判断 区间 指标 数值 本店 门店 同类 排名 分位 改进 项目 措施 完成
时限 所需 支持 预期 效果 责任人 标记 合计数 频次 最近 联系 天数 电话号码 姓名 原因 车型 数量
计划 达成 路径 所需量 每周 转化 差额 预测 区间 概率 交车数 订单数 销售额 目标台数 目标金额
严重 程度 主要 诊断 控制图 信号 工作簿 读取 行数 有效 隔离 生成 重新 计算 名称 历史 对标 收缩
提升 执行 存量 月末 环节 预计 增加 每月 基准 比率
"""
#: The words of the report's Chinese headers (longest match wins).
WORDS: frozenset[str] = frozenset(_WORDS.split())

#: Chinese cells up to this many characters are labels: they wrap only between words.
LONG_LABEL = 20

_MAX = max(map(len, WORDS))
_OPEN, _CLOSE = "（(「《", "）)」》、：:"


def words(label: str) -> list[str]:
    """``label`` cut into the pieces a line may break between.

    >>> words("新增意向客户当月下单比例")
    ['新增', '意向客户', '当月', '下单', '比例']
    >>> words("来店客户留档率"), words("展厅停留时间（中位数）")
    (['来店', '客户', '留档率'], ['展厅', '停留', '时间（中位数）'])
    >>> words("Test drives")
    ['Test drives']
    """
    if not re.search(r"[\u4e00-\u9fff]", label):
        return [label]
    out: list[str] = []
    i = 0
    while i < len(label):
        for n in range(min(_MAX, len(label) - i), 0, -1):
            piece = label[i:i + n]
            if n == 1 or piece in WORDS:
                break
        glue = out and (out[-1][-1] in _OPEN or piece[0] in _CLOSE or len(out[-1]) < 6 and (
            len(piece) == 1 and piece not in _OPEN
            or not re.match(r"[\u4e00-\u9fff]", piece[0])))
        if glue:
            out[-1] += piece
        else:
            out.append(piece)
        i += len(piece)
    return out


def boundaries(label: str) -> set[int]:
    """Positions in ``label`` where a line may break (between two of its words)."""
    out, pos = set(), 0
    for piece in words(label)[:-1]:
        pos += len(piece)
        out.add(pos)
    return out


def header_html(label: object) -> str:
    """A table header as HTML: words that never break inside, ``<wbr>`` between them."""
    pieces = words(str(label))
    if len(pieces) == 1:
        return html.escape(pieces[0])
    return "<wbr>".join(f'<span class="nw">{html.escape(p)}</span>' for p in pieces)

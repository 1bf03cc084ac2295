"""The figures the region reports (DOMAIN.md) — shown only as labelled targets beside the portal's computed values,
never as the portal's own figures."""

from __future__ import annotations

TARGETS = {
    "npl": "一年内不良率下降1.2个百分点 · NPL ratio −1.2 points in a year",
    "recovery_rate": "78% 整体回收率 · overall recovery rate",
    "recovery_cycle": "500万元以上债务平均回收周期 18→9 个月 · debts over 5M yuan, 18→9 months",
    "compliance_rate": "99.6% 人工坐席合规率 (82%→99.6%) · human collectors' compliance rate",
    "evidence": "58,000 笔交易存证，金额超120亿元 · 58,000 transactions, over 12B yuan",
}

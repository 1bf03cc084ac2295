"""The 12 dimensions of the early-warning model as data: code, Chinese and English names, default weight (points
of the 0-100 warning score a medium-severity signal of that kind is worth when fresh) and half-life in days."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignalKind:
    """One dimension of the early-warning model."""

    code: str
    name_zh: str
    name_en: str
    weight: float
    half_life_days: float


KINDS: tuple[SignalKind, ...] = (
    SignalKind("legal_rep_change", "法定代表人变更", "legal-representative change", 10, 60),
    SignalKind("capital_reduction", "注册资本减少", "registered-capital reduction", 15, 90),
    SignalKind("address_change", "注册地址变更", "registered-address change", 6, 60),
    SignalKind("abnormal_operation", "列入经营异常名录", "abnormal-operation listing", 15, 90),
    SignalKind("deregistration_filing", "注销备案", "deregistration filing", 30, 120),
    SignalKind("dishonest_debtor", "失信被执行人", "dishonest-judgment-debtor listing", 35, 180),
    SignalKind("new_enforcement", "新增被执行/诉讼", "new enforcement or litigation", 20, 90),
    SignalKind("equity_freeze", "股权冻结", "equity freeze", 25, 120),
    SignalKind("exit_entry", "出入境记录（出境）", "exit/entry (cross-border departure)", 40, 30),
    SignalKind("ecommerce_collapse", "电商消费骤降", "e-commerce spending collapse", 12, 45),
    SignalKind("tax_arrears", "欠税/欠缴社保", "tax or social-insurance arrears", 15, 90),
    SignalKind("related_asset_transfer", "向关联方转移资产", "asset transfer to related parties", 30, 120),
)
BY_CODE: dict[str, SignalKind] = {k.code: k for k in KINDS}

SEVERITY_FACTORS: dict[str, float] = {"low": 0.5, "medium": 1.0, "high": 1.5, "critical": 2.0}
"""Multiplier of a kind's weight per reported severity."""

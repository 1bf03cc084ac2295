"""The closed vocabularies of the attempt format (CONTRACT.md) and of standards: channels, outcomes, severities."""

from __future__ import annotations

CHANNELS = frozenset({"call", "ai_voice", "sms", "visit", "letter", "email"})
COUNTERPARTIES = frozenset({"debtor", "guarantor", "third_party", "attorney"})
OUTCOMES = frozenset({"connected", "unanswered", "busy", "not_in_service", "voicemail"})
SEVERITIES = ("critical", "high", "medium", "low")
ACTIONS = frozenset({"block", "flag"})
DEFAULT_TZ = "Asia/Shanghai"

# Column types an optional column can have; a standard declares its own columns with one of these.
COLUMN_TYPES = frozenset({"bool", "int", "text", "list", "date"})

# Optional attempt columns the rule kinds read directly, with their types. A standard may declare more.
BUILTIN_OPTIONAL_COLUMNS: dict[str, str] = {
    "days_past_due": "int",
    "disputed": "bool",
    "in_mediation": "bool",
    "attorney_represented": "bool",
    "cease_requested": "bool",
    "debtor_reachable": "bool",
    "identified": "bool",
    "disclosures": "list",
    "recorded": "bool",
    "purpose": "text",
    "agency_ref": "text",
    "creditor_ref": "text",
    "plausible_tz": "list",
    "retain_until": "date",
}

# Keys that identify a person, a number or a debt; every counting key must contain at least one of them.
IDENTITY_KEYS = frozenset({"number", "debtor_ref", "debt_ref"})
KEY_FIELDS = IDENTITY_KEYS | {"counterparty", "channel", "agency_ref"}

# Hold types, the case events that open and close them, the scope (fields) they are keyed by, and the
# boolean attempt column that reports them inline.
HOLDS: dict[str, dict[str, object]] = {
    "dispute": {"opens": "dispute_opened", "closes": "dispute_answered", "scope": ("debt_ref",), "column": "disputed"},
    "mediation": {
        "opens": "mediation_opened",
        "closes": "mediation_closed",
        "scope": ("debt_ref",),
        "column": "in_mediation",
    },
    "attorney": {
        "opens": "attorney_retained",
        "closes": "attorney_withdrawn",
        "scope": ("debtor_ref",),
        "column": "attorney_represented",
    },
    "cease": {
        "opens": "cease_requested",
        "closes": "cease_withdrawn",
        "scope": ("debtor_ref",),
        "column": "cease_requested",
        # a cease event that names a number stops contact with that number only (a person who refused)
        "narrow_scope": ("debtor_ref", "number"),
    },
}

# Case events: kind -> fields it must carry (besides ``kind`` and ``at``).
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "dispute_opened": ("debt_ref",),
    "dispute_answered": ("debt_ref",),
    "mediation_opened": ("debt_ref",),
    "mediation_closed": ("debt_ref",),
    "attorney_retained": ("debtor_ref",),
    "attorney_withdrawn": ("debtor_ref",),
    "cease_requested": ("debtor_ref",),
    "cease_withdrawn": ("debtor_ref",),
    "debtor_unreachable": ("debtor_ref",),
    "debtor_reachable": ("debtor_ref",),
    "licence_granted": ("agency_ref", "valid_until"),
    "licence_revoked": ("agency_ref",),
    "whitelisted": ("agency_ref", "creditor_ref"),
    "delisted": ("agency_ref", "creditor_ref"),
    "agency_evaluated": ("agency_ref",),
}

CHANNEL_ZH = {
    "call": "电话",
    "ai_voice": "智能语音",
    "sms": "短信",
    "visit": "外访",
    "letter": "信函",
    "email": "电子邮件",
}
COUNTERPARTY_ZH = {"debtor": "债务人", "guarantor": "担保人", "third_party": "第三人", "attorney": "代理律师"}
OUTCOME_ZH = {
    "connected": "接通",
    "unanswered": "未接听",
    "busy": "忙线",
    "not_in_service": "空号/停机",
    "voicemail": "语音信箱",
}

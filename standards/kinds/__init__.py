"""The rule kinds a standard can use; each is generic and parameterised by its TOML entry."""

from __future__ import annotations

from standards.kinds.base import COMMON_PARAMS, Rule
from standards.kinds.disclosure import Recording, RequiredFields, Retention
from standards.kinds.frequency import Cap, CoolingOff
from standards.kinds.holds import AgencyQualification, Hold
from standards.kinds.parties import ThirdParty
from standards.kinds.stages import ChannelStages
from standards.kinds.timing import QuietHours

KINDS: dict[str, type[Rule]] = {
    cls.kind: cls
    for cls in (
        QuietHours,
        Cap,
        CoolingOff,
        ThirdParty,
        RequiredFields,
        ChannelStages,
        Hold,
        AgencyQualification,
        Recording,
        Retention,
    )
}

__all__ = ["COMMON_PARAMS", "KINDS", "Rule"]

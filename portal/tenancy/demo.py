"""Demo institutions and users with the stable codes of CONTRACT.md (demo passwords work only on a demo database)."""

from __future__ import annotations

from portal.access import OPERATOR, allowed_roles
from portal.core.identifiers import USCC_ALPHABET, uscc_check_char
from portal.tenancy import operations

# code, kind, Chinese name, English name, district
DEMO_INSTITUTIONS = (
    ("regulator", "regulator", "市银行业监管分局", "Municipal Banking Regulatory Office", "市本级"),
    ("bank-a", "bank", "江南城市商业银行", "Jiangnan City Commercial Bank", "越城区"),
    ("bank-b", "bank", "东海股份制银行分行", "Donghai Joint-Stock Bank Branch", "柯桥区"),
    ("bank-c", "bank", "湖滨农村商业银行", "Hubin Rural Commercial Bank", "上虞区"),
    ("agency-a", "agency", "诚信资产管理服务有限公司", "Chengxin Debt Management Services", "越城区"),
    ("agency-b", "agency", "和睦债务咨询有限公司", "Hemu Debt Advisory", "诸暨市"),
    ("mediator", "mediator", "金融纠纷诉前调解中心", "Financial Disputes Pre-litigation Mediation Centre", "越城区"),
    ("tracer", "tracer", "鹰眼资产管理公司", "Eagle-Eye Asset Management", "嵊州市"),
)


def demo_uscc(index: int) -> str:
    """A valid unified social credit code for demo institution ``index`` (9 = enterprise, 1 = company)."""
    body = "91330600" + "".join(USCC_ALPHABET[(index * 7 + i * 3) % 31] for i in range(9))
    return body + uscc_check_char(body)


def demo_password(code: str) -> str:
    """The documented demo password of institution ``code``."""
    return f"demo-{code}"


def seed(ctx) -> None:
    """Create the eight demo institutions and one admin user each holding every role its kind allows."""
    bar = ctx.progress("institutions", len(DEMO_INSTITUTIONS))
    for index, (code, kind, name, name_en, district) in enumerate(DEMO_INSTITUTIONS, start=1):
        inst = operations.create_institution(
            OPERATOR,
            kind=kind,
            name=name,
            code=code,
            uscc=demo_uscc(index),
            district=district,
            name_en=name_en,
            session=ctx.session,
        )
        operations.create_user(
            OPERATOR,
            institution_code=code,
            email=f"admin@{code}.demo",
            roles=sorted(r.value for r in allowed_roles(kind)),
            password=demo_password(code),
            display_name=f"{name_en} admin",
            locale="zh",
            is_demo=True,
            session=ctx.session,
        )
        ctx.institutions[code] = inst.id
        bar.update(1)

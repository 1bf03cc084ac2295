"""Fixtures of the scoring tests: dataset paths, principals on a bare session (``tenants``; the app-level ``region``
of tests/conftest.py stays available to the GraphQL tests), and a fitted German scorecard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from portal.access import Kind, Principal, Role, allowed_roles
from portal.services.scoring import data, training
from portal.services.scoring import models as scoring_models  # noqa: F401  (tables before `db` creates them)
from portal.tenancy.models import Institution, User

CODES = {"regulator": Kind.REGULATOR, "bank-a": Kind.BANK, "bank-b": Kind.BANK, "agency-a": Kind.AGENCY}


@pytest.fixture(scope="session")
def datasets(shared_dir: Path) -> Path:
    """The shared datasets folder."""
    return shared_dir / "datasets"


@pytest.fixture(scope="session")
def german(datasets: Path) -> data.Dataset:
    """German credit, label creditability, bad = positive."""
    return data.load_csv(datasets / "german_credit" / "germancredit.csv", "creditability", "bad")


@pytest.fixture(scope="session")
def german_card(german: data.Dataset):
    """A scorecard fitted on all German rows (with Platt calibration)."""
    return training.fit_frame(german.features, german.y, german.numeric, german.categorical, calibrate=True)


@dataclass
class Region:
    """Principals by label: bank-a (two users for four eyes), bank-b, agency-a, regulator."""

    principals: dict[str, Principal]

    def __getitem__(self, label: str) -> Principal:
        return self.principals[label]


@pytest.fixture
def tenants(session: Session) -> Region:
    """Institutions and users in the test database, with their principals."""
    principals: dict[str, Principal] = {}
    for code, kind in CODES.items():
        inst = Institution(code=code, kind=kind.value, name=code.upper())
        session.add(inst)
        session.flush()
        for n in (1, 2):
            user = User(institution_id=inst.id, email=f"u{n}@{code}.test")
            session.add(user)
            session.flush()
            label = code if n == 1 else f"{code}#2"
            principals[label] = Principal(user.id, inst.id, code, kind, allowed_roles(kind), user.email)
    a = principals["bank-a"]
    principals["bank-a:analyst"] = Principal(a.user_id, a.institution_id, a.institution_code, a.kind,
                                             frozenset({Role.ANALYST}), a.email)
    return Region(principals)


# -- the GraphQL tests: the app-level ``region`` (eight institutions, one admin each) with bank-a's models ----------
def person_number(seq: int = 123) -> str:
    """A valid resident identity number."""
    from portal.core.identifiers import id_check_char

    body = f"33060219850312{seq:03d}"
    return body + id_check_char(body)


def system_principal(institution_id: int, code: str, kind: Kind) -> Principal:
    """A scheduled job of the institution (``Principal.scheduled``)."""
    return Principal.scheduled(institution_id, code, kind)


@dataclass
class ScoringWorld:
    """bank-a's German scorecard: ``champion`` (registered by a job, approved and promoted by its admin) and an
    unapproved ``challenger`` v2; a registry debtor ``person`` with a debt at bank-a; a token per institution."""

    champion: int
    challenger: int
    person: str
    tokens: dict[str, str]
    record: dict[str, str | None]
    features: list[dict[str, str | None]]


def german_record(german: data.Dataset, i: int = 3) -> dict[str, str | None]:
    """Row ``i`` of German credit as GraphQL feature values (numbers as text)."""
    out: dict[str, str | None] = {}
    for name, value in german.features.iloc[i].to_dict().items():
        out[name] = None if value is None or value != value else (f"{value:g}" if isinstance(value, float)
                                                                   else str(value))
    return out


def register_german(session: Session, principal: Principal, german: data.Dataset, card, name: str = "retail-pd"):
    """Register the fitted German scorecard with a model card naming its training columns."""
    from portal.services.scoring import operations as ops

    model_card = {"intended_use": "PD of retail applicants", "limitations": "German credit only",
                  "training_data": {"sha256": german.sha256, "rows": german.rows, "numeric": german.numeric,
                                    "categorical": german.categorical},
                  "validation": {"auc": 0.79, "ks": 0.48, "gini": 0.58, "calibration_error": 0.03},
                  "characteristics": [{"name": fb.name, "iv": round(fb.iv, 4), "trend": fb.trend, "bins": fb.n_bins}
                                      for fb in card.bins]}
    return ops.register_model(principal, name=name, model=card, training_data_sha256=german.sha256,
                              training_rows=german.rows, metrics={"auc": 0.79, "ks": 0.48, "gini": 0.58,
                                                                  "calibration_error": 0.03},
                              baseline=ops._baseline(card, german.features), model_card=model_card, session=session)


@pytest.fixture
def scoring_world(app, region, api_token, german, german_card) -> ScoringWorld:
    """See :class:`ScoringWorld`."""
    from datetime import timedelta

    from portal.registry import operations as registry
    from portal.registry.inputs import DebtInput, MoneyInput, PartyInput
    from portal.registry.vocab import shanghai_today
    from portal.services.scoring import operations as ops

    number = person_number()
    with app.extensions["db"].unit_of_work() as s:
        job = system_principal(region["bank-a"]["id"], "bank-a", Kind.BANK)
        admin = s.get(User, region["bank-a"]["user_id"]).principal()
        champion = register_german(s, job, german, german_card)
        ops.approve_model(admin, champion.id, session=s)
        ops.promote_model(admin, champion.id, session=s)
        challenger = register_german(s, job, german, german_card)
        today = shanghai_today()
        registry.report_debt(admin, DebtInput(
            client_key="A-1", debtor=PartyInput(kind="PERSON", name="张伟", id_number=number),
            principal=MoneyInput("10000.00"), outstanding=MoneyInput("8000.00"), opened_on=today - timedelta(days=400),
            due_on=today + timedelta(days=30), status="CURRENT"), session=s, keyring=app.extensions["keyring"])
        ids = champion.id, challenger.id
    record = german_record(german)
    return ScoringWorld(ids[0], ids[1], number, {code: api_token(code) for code in region}, record,
                        [{"name": k, "value": v} for k, v in record.items()])

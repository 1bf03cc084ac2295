"""The GraphQL schema, assembled from each feature package's ``gql.py`` (its ``Query`` / ``Mutation`` classes)."""

from __future__ import annotations

import importlib
from functools import lru_cache

import graphene

GQL_MODULES: tuple[str, ...] = (
    "portal.tenancy.gql",
    "portal.registry.gql",
    "portal.services.monitoring.gql",
    "portal.services.scoring.gql",
    "portal.services.audit.gql",
    "portal.services.evidence.gql",
    "portal.services.compliance.gql",
    "portal.services.escalation.gql",
    "portal.services.tracing.gql",
    "portal.services.mediation.gql",
)


def _parts(attr: str) -> list[type]:
    found = []
    for name in GQL_MODULES:
        module = importlib.import_module(name)
        part = getattr(module, attr, None)
        if part is not None:
            found.append(part)
    return found


def _apply_type_extensions() -> None:
    """Mount the fields that feature modules add to other modules' types (``TYPE_EXTENSIONS``: tuples of the
    graphene type, the snake_case field name and the field). A feature may extend a type of a package it may import
    (scoring adds ``riskBand`` to the registry's ``DebtorReport``) without that package knowing the feature."""
    for name in GQL_MODULES:
        for target, field_name, field in getattr(importlib.import_module(name), "TYPE_EXTENSIONS", ()):
            fields = target._meta.fields
            if fields.get(field_name) not in (None, field):
                raise RuntimeError(f"{name} extends {target.__name__}.{field_name}, which already exists")
            fields[field_name] = field


@lru_cache(maxsize=1)
def build_schema() -> graphene.Schema:
    """The one schema of the portal (built once per process; it holds no per-request state)."""
    _apply_type_extensions()
    queries = _parts("Query")
    mutations = _parts("Mutation")
    query = type("Query", tuple(queries), {})
    mutation = type("Mutation", tuple(mutations), {}) if mutations else None
    extra: list[type] = []
    for name in GQL_MODULES:
        extra.extend(getattr(importlib.import_module(name), "TYPES", ()))
    return graphene.Schema(query=query, mutation=mutation, types=extra or None, auto_camelcase=True)


@lru_cache(maxsize=1)
def public_root_fields() -> frozenset[str]:
    """Root fields open to the anonymous (each gql module lists its own in ``PUBLIC_FIELDS``, camelCase)."""
    names: set[str] = set()
    for name in GQL_MODULES:
        names.update(getattr(importlib.import_module(name), "PUBLIC_FIELDS", ()))
    return frozenset(names)


def schema_sdl() -> str:
    """The SDL text of the schema, as checked in at graphql/schema.graphql."""
    return str(build_schema()).strip() + "\n"

"""The GraphQL schema, assembled from each feature package's ``gql.py`` (its ``Query`` / ``Mutation`` classes)."""

from __future__ import annotations

import importlib
from functools import lru_cache

import graphene

GQL_MODULES: tuple[str, ...] = ("portal.tenancy.gql", "portal.services.monitoring.gql")


def _parts(attr: str) -> list[type]:
    found = []
    for name in GQL_MODULES:
        module = importlib.import_module(name)
        part = getattr(module, attr, None)
        if part is not None:
            found.append(part)
    return found


@lru_cache(maxsize=1)
def build_schema() -> graphene.Schema:
    """The one schema of the portal (built once per process; it holds no per-request state)."""
    queries = _parts("Query")
    mutations = _parts("Mutation")
    query = type("Query", tuple(queries), {})
    mutation = type("Mutation", tuple(mutations), {}) if mutations else None
    extra: list[type] = []
    for name in GQL_MODULES:
        extra.extend(getattr(importlib.import_module(name), "TYPES", ()))
    return graphene.Schema(query=query, mutation=mutation, types=extra or None, auto_camelcase=True)


def schema_sdl() -> str:
    """The SDL text of the schema, as checked in at graphql/schema.graphql."""
    return str(build_schema()).strip() + "\n"

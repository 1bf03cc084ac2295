"""Operation limits as validation rules, on a small recursive schema that can go deep and wide."""

from __future__ import annotations

import graphene
import pytest

from graphql import parse, specified_rules, validate
from portal.api.limits import Limits, limit_rule


class Node(graphene.ObjectType):
    name = graphene.String()
    child = graphene.Field(lambda: Node)
    children = graphene.List(lambda: Node, first=graphene.Int())


class Query(graphene.ObjectType):
    node = graphene.Field(Node)
    debtor = graphene.Field(Node)
    nodes = graphene.List(Node, first=graphene.Int())


SCHEMA = graphene.Schema(query=Query).graphql_schema


def codes(query: str, variables: dict | None = None, introspection: bool = True) -> list[str]:
    errors = validate(
        SCHEMA, parse(query), (*specified_rules, limit_rule(variables, Limits(), introspection=introspection))
    )
    return [(e.extensions or {}).get("code", "STANDARD") for e in errors]


def nest(depth: int) -> str:
    inner = "name"
    for _ in range(depth - 1):
        inner = f"child {{ {inner} }}"
    return f"{{ node {{ {inner} }} }}"


def test_depth_eight_passes_nine_fails():
    assert codes(nest(7)) == []  # node + 7 levels = depth 8
    assert codes(nest(8)) == ["QUERY_TOO_COMPLEX"]


def test_depth_counts_through_fragments_and_names():
    query = (
        "query Q { node { ...A } } fragment A on Node { child { ...B } } "
        "fragment B on Node { child { child { child { child { child { child { name } } } } } } }"
    )
    assert "QUERY_TOO_COMPLEX" in codes(query)


def test_aliases():
    ok = "{ " + " ".join(f"a{i}: node {{ name }}" for i in range(15)) + " }"
    bad = "{ " + " ".join(f"a{i}: node {{ name }}" for i in range(16)) + " }"
    assert codes(ok) == []
    assert codes(bad) == ["QUERY_TOO_COMPLEX"]


def test_nodes_estimated_from_first_literal_and_variable():
    wide = "{ nodes(first: 100) { children(first: 100) { name child { name } } } }"
    assert codes(wide) == ["QUERY_TOO_COMPLEX"]
    via_var = "query($n: Int) { nodes(first: $n) { children(first: $n) { name child { name } } } }"
    assert codes(via_var, {"n": 100}) == ["QUERY_TOO_COMPLEX"]
    assert codes(via_var, {"n": 10}) == []


def test_one_debtor_lookup_per_operation():
    assert codes("{ debtor { name } }") == []
    assert codes("{ a: debtor { name } b: debtor { name } }") == ["QUERY_TOO_COMPLEX"]
    assert "QUERY_TOO_COMPLEX" in codes(
        "{ ...F ...G } fragment F on Query { debtor { name } } fragment G on Query { x: debtor { name } }"
    )


def test_standard_rules_still_run():
    assert codes("{ nope }") == ["STANDARD"]


def test_introspection_off_keeps_typename():
    assert codes("{ __schema { types { name } } }", introspection=False) == ["FORBIDDEN"]
    assert codes("{ node { __typename name } }", introspection=False) == []


@pytest.mark.parametrize("cycle", ["{ node { ...A } } fragment A on Node { child { ...A } }"])
def test_fragment_cycles_do_not_hang(cycle):
    assert "STANDARD" in codes(cycle)

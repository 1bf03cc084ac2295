"""GraphQL types of tenancy: ``me`` (Viewer, User, Institution) — thin resolvers calling operations."""

from __future__ import annotations

import graphene

from portal.access import Kind
from portal.tenancy import operations

InstitutionKind = graphene.Enum("InstitutionKind", [(k.name, k.value) for k in Kind])


class Institution(graphene.ObjectType):
    """A member institution (tenant)."""

    id = graphene.ID(required=True)
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    kind = graphene.Field(InstitutionKind, required=True)

    @staticmethod
    def resolve_kind(inst, _info):
        return inst.kind


class User(graphene.ObjectType):
    """A user of the portal."""

    id = graphene.ID(required=True)
    email = graphene.String(required=True)
    display_name = graphene.String()


class Viewer(graphene.ObjectType):
    """The signed-in user (or token holder), their institution and roles."""

    user = graphene.Field(User, required=True)
    institution = graphene.Field(Institution, required=True)
    roles = graphene.List(graphene.NonNull(graphene.String), required=True)

    @staticmethod
    def resolve_roles(viewer, _info):
        return sorted(r.value for r in viewer.roles)


class Query(graphene.ObjectType):
    """Tenancy's root fields."""

    me = graphene.Field(Viewer, required=True)

    @staticmethod
    def resolve_me(_root, info):
        ctx = info.context
        return operations.viewer(ctx.principal, session=ctx.session)

"""The shared debt registry: debtors, debts, assignments to agencies, inquiries, disputes and the retention rule.

Files follow the feature vocabulary (ARCHITECTURE.md): ``vocab`` (enums and pure rules), ``models`` (tables),
``policy`` (the registry rows of ACCESS.md), ``scoping`` (row filters), ``views`` (read models, masking),
``operations`` (what the registry does), ``rls`` (PostgreSQL row-level security as data), ``demo`` (bulk seeding).
"""

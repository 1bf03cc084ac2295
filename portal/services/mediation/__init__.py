"""Mediation: pre-litigation mediation (诉前调解) and judicial confirmation (司法确认).

A creditor bank refers overdue debts of one debtor to a mediation centre; the centre accepts or declines, invites
the parties, holds sessions, records the signed agreement (stored as evidence) and, within 30 days of signing, the
application to a court for judicial confirmation and the ruling. While a case is open the mediator reads the case's
debts in full through the registry (``register_debt_link``) and the standards engine holds collection contact on
them (``mediation_opened`` / ``mediation_closed`` case events). See docs/mediation.md.
"""

"""Escalation: the tiered collection ladder (阶梯式催收). A daily sweep puts every overdue debt of a bank on its stage
(automated reminders, lawyer's letter, judicial action; thresholds from the ladder data), records each move, drafts a
lawyer's letter for debts entering that stage for the bank to approve in bulk, and flags large debts entering the
judicial stage as candidates for mediation or litigation."""

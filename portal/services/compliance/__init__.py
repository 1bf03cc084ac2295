"""Compliance: the regulator's collection standards published as versioned data, checked before each contact,
violations recorded from logged attempts, and agencies' periodic compliance reports."""

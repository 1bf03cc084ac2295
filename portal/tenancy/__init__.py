"""Tenancy: institutions, users and their roles, API tokens, browser sign-in and TOTP."""

"""HTML pages that are not dashboards: sign-in, TOTP, home per tenant kind, language switch, health and metrics."""

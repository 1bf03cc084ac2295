"""Dashboard pages, one module each, every one built from dashboards.data."""

"""Regional monitoring: the figures behind the dashboards, computed from data and scoped by the access policy."""

"""Infrastructure shared by every feature: database, Celery wiring, crypto, errors, time and money helpers."""

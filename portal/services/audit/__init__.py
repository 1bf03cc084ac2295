"""Audit service: recording QA and the violating-speech monitor (``portal.services.audit.monitor``)."""

"""The services behind the portal, one package each: compliance, audit, scoring, evidence, monitoring…"""

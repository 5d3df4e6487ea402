"""Signed webhooks: a community's coordinators register HTTPS endpoints for events; each
event writes a delivery row in the transaction that caused it, and the
``deliver_webhooks`` job posts it, signed, retrying with backoff (docs/api.md,
"Webhooks")."""

"""Notifications: events raised from callscope's data (and posted by the call platform),
matched against the account's rules, filled into templates and delivered over HTTP, e-mail and
SMS from a transactional outbox. See docs/notifications.md."""

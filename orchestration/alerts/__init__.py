"""Alert delivery: after a publication, the notifier sends each alert of marts.fct_alert_events
whose state changed since it was last delivered (orchestration/alerts/notify.py), over the
organisation's routes (orchestration/alerts/channels.py: webhook, e-mail)."""

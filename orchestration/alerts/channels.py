"""The two channels of alert routes: an HTTP webhook (a JSON body with a Slack-compatible `text`
field and the structured alert) and e-mail over SMTP. Each send raises DeliveryError with a
message free of secrets (no URL, no password) when the receiver does not accept the message."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage

from orchestration.settings import OperationSettings

TIMEOUT_SECONDS = 10


class DeliveryError(RuntimeError):
    """The receiver did not take the message; the text names no secret."""


class NotConfigured(RuntimeError):
    """The route has no target: no URL, no address or no SMTP server."""


def post_webhook(url: str, body: dict) -> None:
    if not url:
        raise NotConfigured("no webhook URL (route target empty and TBM_ALERT_WEBHOOK_URL unset)")
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "tbm-warehouse"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"webhook unreachable: {type(reason).__name__}") from None


def send_email(op: OperationSettings, address: str, subject: str, text: str) -> None:
    if not op.smtp_host or not address:
        raise NotConfigured("no SMTP server (TBM_SMTP_HOST) or no address")
    message = EmailMessage()
    message["From"] = op.smtp_sender
    message["To"] = address
    message["Subject"] = subject
    message.set_content(text)
    try:
        with smtplib.SMTP(op.smtp_host, op.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if op.smtp_starttls:
                smtp.starttls()
            if op.smtp_user:
                smtp.login(op.smtp_user, op.smtp_password)
            smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP server answered {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP failed: {type(exc).__name__}") from None

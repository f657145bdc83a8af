"""Business rules of support: cases (``cases``), SLA clocks and escalation
(``escalation``), email replies (``email_replies``) and the notification
centre (``notifications``)."""

"""Who the assistant speaks for: the company's name, address and mailboxes, as its privacy
statement publishes them.

The privacy mailbox was written out in five modules and only one of them honoured
PRIVACYBOT_PRIVACY_MAILBOX, so a deployment with its own mailbox told visitors one address and
sent the staff notifications to another. Python code reads these facts here.

``privacy_mailbox()`` is the mailbox in use: PRIVACYBOT_PRIVACY_MAILBOX (bot.core.settings), else
PRIVACY_MAILBOX. Texts kept as module constants (bot.dialogue.forms, bot.plugins.chat_guard,
bot.plugins.chat_channel) take it when their module is imported, that is when the process
starts: set the setting in the environment every process starts with, never later.

The setting does not reach the chat answers in domain.yml: Rasa sends those from the trained
model's copy of the domain, so they name PRIVACY_MAILBOX itself (tests/unit/core/test_company.py
checks that every address there is one of these). A deployment with another mailbox changes
domain.yml and retrains.
"""

from __future__ import annotations

from bot.core import settings

NAME = "KMO-verzekeringen"
GROUP = "Groep LB Republico VOF"  # the controller; KMO-verzekeringen is one of its brands
STREET = "Wolvenpad 2"
MUNICIPALITY = "3300 Tienen"
ENTERPRISE_NUMBER = "0630.925.810"

PRIVACY_MAILBOX = "privacy@kmo-verzekeringen.be"  # the DPO's: questions and rights requests
GENERAL_MAILBOX = "info@republico.be"  # the broker, for anything but privacy (premiums, claims)
MAIL_DOMAIN = "kmo-verzekeringen.be"  # our outgoing mails' Message-IDs

SIGNATURE = f"{NAME} ({GROUP})"  # the last line of every mail to a requester


def privacy_mailbox() -> str:
    """The privacy mailbox in use: where visitors are told to write and where staff
    notifications go."""
    return settings.privacy_mailbox() or PRIVACY_MAILBOX


def mail_sender() -> str:
    """The From of our mails: PRIVACYBOT_MAIL_FROM, else PRIVACY_MAILBOX (not the configured
    mailbox: the mail server must accept the sender, so it changes only when set)."""
    return settings.mail_from() or PRIVACY_MAILBOX

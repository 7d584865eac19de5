from __future__ import annotations

from bot.privacy import unsubscribe_links


def test_marketing_mails_get_one_click_unsubscribe_headers(monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", "headers-key-" + "h" * 40)
    monkeypatch.setenv("PRIVACYBOT_PUBLIC_URL", "https://www.example.be")
    headers = unsubscribe_links.list_unsubscribe_headers("Jan@Example.be")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://www.example.be/webhooks/privacy/unsubscribe?token=")
    assert unsubscribe_links.address_of(link.split("token=")[1]) == "jan@example.be"

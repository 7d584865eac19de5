"""Privacybot: the Dutch privacy assistant of KMO-verzekeringen."""

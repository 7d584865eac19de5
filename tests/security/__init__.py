"""Attacks on the running assistant. A package, so that its conftest's package-scoped
stack really ends with it (pytest 8 treats a plain folder's package scope as the session)."""

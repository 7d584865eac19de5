"""One running assistant for the attacks in tests/security/ (one Rasa server, action server,
SQLite), with small limits so that the tests can reach them: the session's shared stack
(tests/conftest.py), which the feedback-route tests use too."""

from __future__ import annotations

import pytest

from tests.conftest import SITE, STACK_LIMITS

LIMITS = STACK_LIMITS
__all__ = ["LIMITS", "SITE"]


@pytest.fixture(scope="package")
def stack(shared_stack):
    return shared_stack

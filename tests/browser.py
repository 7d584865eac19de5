"""Debian's chromium for the browser tests (Playwright drives it; test tools cannot download
their own browser on these machines), in one place for every test that opens a page."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOT_INSTALLED = "Debian's chromium is not installed (./test installs it as root)"
# Flags for a closed network: without them chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The module marks of a file whose every test opens a browser.
BROWSER_MODULE = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason=NOT_INSTALLED)]


@pytest.fixture(scope="module")
def browser():
    """One chromium per module (tests/conftest.py offers it to every test)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()

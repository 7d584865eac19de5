"""The privacy domain: rights requests, verification, opt-outs, outbox and mail, signed links,
retention, personal-data detection."""

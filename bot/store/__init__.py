"""Persistence: our own tables (rights requests, opt-outs, the outbox, staff accounts, the audit log,
reviews and feedback) beside Rasa's tracker store, and the one reader of Rasa's events table.

SQLAlchemy 1.4 with 2.0-style models and sessions; the schema lives in Alembic migrations
(bot/store/migrations) that the run and test commands apply.
"""

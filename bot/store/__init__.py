"""Persistence for rights requests, opt-outs and the outbox (issue #4).

SQLAlchemy 1.4 with 2.0-style models and sessions; the schema lives in Alembic migrations
(bot/store/migrations) that the run and test commands apply.
"""

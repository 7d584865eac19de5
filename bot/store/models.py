"""Tables of our own, beside Rasa's tracker store in the same database."""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

Base = declarative_base()


class UTCDateTime(TypeDecorator):
    """A moment in time, stored as UTC and always read back timezone-aware. PostgreSQL keeps
    the zone itself; SQLite would hand back naive values, which every caller would then have
    to patch."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use an aware (UTC) moment")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class RightsRequest(Base):
    """A GDPR rights request opened in the chat."""

    __tablename__ = "rights_requests"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    request_type = Column(String(32), nullable=False, index=True)
    status = Column(String(20), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    email = Column(String(320), nullable=False, index=True)
    customer_number = Column(String(64))
    details = Column(Text)
    conversation_id = Column(String(255))
    received_at = Column(UTCDateTime(), nullable=False)
    deadline = Column(Date, nullable=False)
    verified_at = Column(UTCDateTime())
    reminder_sent_at = Column(UTCDateTime())
    closed_at = Column(UTCDateTime())

    events = relationship(
        "RequestEvent", back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )


class RequestEvent(Base):
    """Audit trail: every status change of a request, by whom, when, with a note."""

    __tablename__ = "request_events"

    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("rights_requests.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UTCDateTime(), nullable=False)
    actor = Column(String(100), nullable=False)
    from_status = Column(String(20))
    to_status = Column(String(20), nullable=False)
    note = Column(Text)

    request = relationship("RightsRequest", back_populates="events")


class OptOut(Base):
    """Someone who does not want direct marketing through a channel; marketing checks this."""

    __tablename__ = "optouts"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_optouts_channel_address"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(10), nullable=False)
    address = Column(String(320), nullable=False, index=True)
    created_at = Column(UTCDateTime(), nullable=False)
    source = Column(String(50), nullable=False)


class OutboxMessage(Base):
    """An e-mail to send. Written in the same transaction as what it is about, so a request
    is never stored without its mails nor a mail sent about a request that was not stored."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    kind = Column(String(40), nullable=False)
    recipient = Column(String(320), nullable=False)
    subject = Column(String(300), nullable=False)
    body = Column(Text, nullable=False)
    request_id = Column(Integer, ForeignKey("rights_requests.id", ondelete="SET NULL"), index=True)
    created_at = Column(UTCDateTime(), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime(), nullable=False, index=True)
    sent_at = Column(UTCDateTime(), index=True)
    last_error = Column(Text)


class StaffUser(Base):
    """An account for the support console. Passwords are argon2 hashes (bot/staff/accounts.py)."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(20), nullable=False)  # agent, privacy_officer, admin
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime())
    session_version = Column(Integer, nullable=False, default=1)  # bumped to end every session
    created_at = Column(UTCDateTime(), nullable=False)
    last_login_at = Column(UTCDateTime())


class StaffAudit(Base):
    """Who did what in the console: logins, reveals of masked data, exports, erasures, purges."""

    __tablename__ = "staff_audit"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime(), nullable=False, index=True)
    username = Column(String(80), nullable=False)
    action = Column(String(40), nullable=False)
    target = Column(String(255))
    detail = Column(Text)


class ConversationReview(Base):
    """Staff's verdict on one conversation of Rasa's tracker store (keyed by its sender id)."""

    __tablename__ = "conversation_reviews"

    sender_id = Column(String(255), primary_key=True)
    reviewed_at = Column(UTCDateTime())
    reviewed_by = Column(String(80))
    tags = Column(Text, nullable=False, default="")  # comma-separated, lower case
    note = Column(Text)
    updated_at = Column(UTCDateTime(), nullable=False)


class Annotation(Base):
    """A user message the model misunderstood, with the intent it should have had: the
    queue developers export as NLU YAML for retraining."""

    __tablename__ = "annotations"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    event_id = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    predicted_intent = Column(String(255))
    correct_intent = Column(String(255), nullable=False)
    created_by = Column(String(80), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)
    exported_at = Column(UTCDateTime())
    __table_args__ = (UniqueConstraint("sender_id", "event_id", name="uq_annotation_message"),)


class AnswerFeedback(Base):
    """A visitor's 👍/👎 on the answer to one of their messages (bot/staff/feedback.py). No text and
    nothing personal: the message is found by its Rasa message_id; the reason is a fixed code."""

    __tablename__ = "answer_feedback"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    message_id = Column(String(64), nullable=False)
    rating = Column(String(8), nullable=False, index=True)  # up, down
    reason = Column(String(32))  # a key of bot.staff.feedback.REASONS, only with "down"
    created_at = Column(UTCDateTime(), nullable=False)
    __table_args__ = (UniqueConstraint("sender_id", "message_id", name="uq_feedback_message"),)

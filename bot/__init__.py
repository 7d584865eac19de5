"""Privacybot: the Dutch privacy assistant of KMO-verzekeringen."""
import os as _os

# Before anything imports TensorFlow or SQLAlchemy: quiet, and no telemetry.
for _key, _value in {"TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false",
                     "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}.items():
    _os.environ.setdefault(_key, _value)

"""Privacybot: the Dutch privacy assistant of KMO-verzekeringen."""
import os as _os

# Set before anything imports TensorFlow or SQLAlchemy, here and in every child process
# (bot.processes.quiet_env): quiet logs, no telemetry.
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false",
             "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
for _key, _value in QUIET_ENV.items():
    _os.environ.setdefault(_key, _value)

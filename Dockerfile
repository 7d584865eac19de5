# One image for every Privacybot process; compose.yaml picks the component with
# `privacybot serve <component>` (the ENTRYPOINT is `privacybot`).
#
#   docker build -t privacybot .                  # trains at build time (± 5 min, ± 2 GiB RAM)
#   docker build --build-arg TRAIN=0 -t privacybot .   # no model in the image: mount one at /app/models
#
# TRAIN=1 (default) makes the image self-contained: every Rasa container starts with the same
# model, and the image is the unit that moves from test to production. The price is a slow
# build and ± 100 MB more image; a data change means a new image. With TRAIN=0 the build takes
# only the install, and `serve rasa` needs a models/ folder mounted (it exits with
# "Geen model in models/" otherwise).
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    TF_CPP_MIN_LOG_LEVEL=3 RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    PRIVACYBOT_BIND=0.0.0.0

RUN useradd --create-home --uid 10001 privacybot
WORKDIR /app

# The pinned dependencies, exactly as scripts/setup.sh installs them (requirements.lock is the
# complete `pip freeze` of the dev/CI venv, test tools included). Own layer: code changes
# do not reinstall TensorFlow.
COPY requirements.lock ./
RUN python -m pip install --upgrade "pip==24.3.1" \
 && python -m pip install -r requirements.lock

# The project itself. Editable on purpose: bot/core/paths.py takes the repository root from the
# package's location, so a copy in site-packages would not find config.yml, data/, models/.
# Code stays owned by root; the service user can only write var/ and models/.
COPY . .
RUN python -m pip install --no-deps -e . \
 && mkdir -p var/outbox models \
 && chown -R privacybot:privacybot var models

USER privacybot

# The Dutch spaCy pipeline behind var/spacy/nl: ../shared/models is outside the build
# context, so this builds the fallback pipeline, as on the dev machines and in CI.
RUN privacybot spacy-model ensure

ARG TRAIN=1
# Rasa's component cache only speeds up retraining; it is not kept in the image.
RUN if [ "$TRAIN" = "1" ]; then \
      RASA_CACHE_DIRECTORY=/tmp/rasa-cache privacybot train && rm -rf /tmp/rasa-cache; \
    else echo "TRAIN=0: geen model in de image"; fi

# rasa 5005, actions 5055, models 5056, site 8000, console 8001
EXPOSE 5005 5055 5056 8000 8001
ENTRYPOINT ["privacybot"]
CMD ["serve", "rasa"]

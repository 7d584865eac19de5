"""Fixed random seeds: two trainings on the same data give the same predictions.

Trains a small NLU model (the project's pipeline, few epochs, four intents) twice from
scratch and compares every prediction on held-out messages.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from bot.core import paths
from bot.core.quiet import quiet_env

pytestmark = [pytest.mark.training, pytest.mark.slow]

INTENTS = ["greet", "thank", "bot_challenge", "insurance_question"]


def small_config(tmp_path):
    config = yaml.safe_load(paths.CONFIG.read_text(encoding="utf-8"))
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "ResponseSelector"]
    for component in config["pipeline"]:
        if "epochs" in component:
            component["epochs"] = 8
    target = tmp_path / "config.yml"
    target.write_text(yaml.safe_dump(config), encoding="utf-8")
    return target


def subset(folder, tmp_path, name):
    blocks = []
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if block.get("intent") in INTENTS:
                blocks.append(block)
    target = tmp_path / name
    target.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True), encoding="utf-8")
    return target


def train_and_predict(config, data, test, out):
    env = dict(quiet_env(), RASA_CACHE_DIRECTORY=str(out / "cache"))
    rasa = [sys.executable, "-m", "rasa"]
    subprocess.run(
        [
            *rasa,
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(data),
            "--out",
            str(out),
            "--fixed-model-name",
            "m",
        ],
        cwd=paths.ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            *rasa,
            "test",
            "nlu",
            "--model",
            str(out / "m.tar.gz"),
            "--nlu",
            str(test),
            "--out",
            str(out / "report"),
            "--successes",
            "--no-plot",
        ],
        cwd=paths.ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    predictions = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / "report" / name
        if path.exists():
            for item in json.loads(path.read_text(encoding="utf-8")):
                predictions.append(
                    (item["text"], item["intent_prediction"]["name"], round(item["intent_prediction"]["confidence"], 3))
                )
    return sorted(predictions)


def test_two_trainings_predict_the_same(tmp_path):
    config = small_config(tmp_path)
    data = subset(paths.DATA / "nlu", tmp_path, "train.yml")
    test = subset(paths.NLU_TEST_DATA, tmp_path, "test.yml")
    first = train_and_predict(config, data, test, tmp_path / "a")
    second = train_and_predict(config, data, test, tmp_path / "b")
    assert len(first) >= 30
    assert first == second

"""Rasa's fingerprint: an unchanged project reuses its model instead of training again (the
session's one training rests on it)."""

from __future__ import annotations


def test_an_unchanged_project_reuses_its_model(trained_model):
    from bot.nlu import training

    assert training.current_model() == trained_model
    assert training.train(quiet=True) == trained_model
    assert training.project_fingerprint() == training.project_fingerprint()

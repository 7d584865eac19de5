"""The Dutch spaCy pipeline: where it comes from, and an honest fallback.

On machines without nl_core_news_sm (no registry here serves it) the suite runs on the
fallback pipeline; these tests check that it is what it claims to be, and no more.
"""

from __future__ import annotations

import json

import pytest

from bot.nlu import spacy_model


def test_selection_is_recorded_and_described_honestly():
    selection = spacy_model.current()
    assert selection is not None, "scripts/setup.sh runs 'privacybot spacy-model ensure'"
    assert spacy_model.LINK.resolve() == spacy_model.Path(selection.path).resolve()
    meta = json.loads((spacy_model.LINK / "meta.json").read_text())
    if selection.is_real:
        assert meta["name"] == "core_news_sm" and meta["version"].startswith("3.4.")
        assert "FALLBACK" not in selection.describe()
    else:
        assert meta["name"] != "core_news_sm"
        assert "FALLBACK" in selection.describe() and "NIET nl_core_news_sm" in selection.describe()


def test_fallback_pipeline_lemmatises_dutch_and_claims_nothing_more(tmp_path):
    import spacy

    folder = spacy_model.build_fallback(tmp_path / "fallback")
    nlp = spacy.load(folder)
    assert nlp.lang == "nl"
    assert nlp.pipe_names == ["lemmatizer"]  # no tagger, parser, NER or vectors
    assert nlp.meta["name"] == "privacybot_fallback"
    assert "Not nl_core_news_sm" in nlp.meta["description"]
    doc = nlp("hoelang bewaren jullie mijn gegevens en de opnames van telefoongesprekken?")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["gegevens"] == "gegeven"
    assert lemmas["opnames"] == "opname"
    assert lemmas["telefoongesprekken"] == "telefoongesprek"
    assert [t.text for t in doc][-1] == "?"


def test_rasa_spacynlp_loads_the_pipeline_by_path():
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    model = SpacyNLP.load_model(str(spacy_model.LINK))
    SpacyNLP.ensure_proper_language_model(model.model)
    assert model.model.lang == "nl"


@pytest.mark.parametrize(
    "names, expected",
    [
        (
            ["nl_core_news_sm-3.4.0-py3-none-any.whl", "nl_core_news_sm-3.4.0.tar.gz"],
            "nl_core_news_sm-3.4.0-py3-none-any.whl",
        ),
        (["nl_core_news_sm-3.4.0.tar.gz"], "nl_core_news_sm-3.4.0.tar.gz"),
        (["nl_core_news_sm-3.7.0-py3-none-any.whl", "en_core_web_sm-3.4.0.tar.gz"], None),
        ([], None),
    ],
)
def test_shared_folder_candidates(tmp_path, names, expected):
    for name in names:
        (tmp_path / name).write_bytes(b"")
    found = spacy_model.find_shared_candidate(tmp_path)
    assert (found.name if found else None) == expected


def test_shared_package_folder_is_a_candidate(tmp_path):
    package = tmp_path / "nl_core_news_sm-3.4.0"
    package.mkdir()
    (package / "setup.py").write_text("")
    assert spacy_model.find_shared_candidate(tmp_path) == package
    assert spacy_model.find_shared_candidate(tmp_path / "missing") is None

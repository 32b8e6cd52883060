"""The stories stage's evidence, one test per kind: figures across scripts and units, names
across scripts (configured and mined aliases), words across languages, the pair scorer's
reasons, and average-link merging that refuses to chain A and C through B.

Every sentence here is written for this project (none is taken from the dev set's archives)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from aidigest.config import StoriesSection
from aidigest.stories import build_stories
from aidigest.stories.aliases import accepted, mine
from aidigest.stories.cluster import group_posts, pair_key
from aidigest.stories.entities import Lexicon, extract
from aidigest.stories.features import featurize
from aidigest.stories.gloss import bag, weigh, word_similarity
from aidigest.stories.normalize import clean_text
from stories_eval import make_post

WHEN = "2025-12-06T21:00:00Z"


def figures(text: str) -> frozenset[str]:
    return extract(clean_text(text)).figures


@pytest.mark.parametrize(("chinese", "english"), [
    ("新增约 2.4 万名订阅者", "about 24,000 new subscribers"),
    ("下载量突破2.4万次", "passed 24K downloads"),
    ("播放量累计超过 1600 万次", "over 16M plays in total"),
    ("拿下 5亿美元 新一轮投资", "raised $500M in new funding"),
    ("上下文窗口扩到 128k", "a 128K context window"),
    ("推理快了 1.5 倍", "runs 1.5× quicker"),
    ("每小时收费 1.75美元", "priced at $1.75 an hour"),
    ("在基准上得分 93.4%", "scores 93.4% on the benchmark"),
    ("开放 35B-A3B 版本的权重", "open weights for the 35B-A3B version"),
])
def test_figures_match_across_scripts_and_units(chinese: str, english: str) -> None:
    zh, en = figures(chinese), figures(english)
    assert zh and zh == en, (zh, en)


def test_years_versions_and_small_numbers_are_not_figures() -> None:
    assert figures("GPT-5.1 在 2025 年上线，提供 3 个档位") == frozenset()


def test_versioned_names_are_found_inside_chinese_text_with_any_dash() -> None:
    assert "gpt5.4" in extract(clean_text("OpenAI内部测试GPT‑5.4已进入尾声")).strong  # U+2011
    assert "qwen3.5" in extract(clean_text("通义团队把Qwen3.5推到了手机端")).strong
    assert "claudecode" in extract("Claude Code 的终端版多了一个计划任务面板").phrases


def test_words_match_across_languages_through_dictionary_senses() -> None:
    zh = bag("Claude Code 新增记忆能力：在不同会话之间保留项目上下文，不必每次重新说明")
    en = bag("Claude Code can now keep a memory of your project context from one session to the next")
    other = bag("Nvidia posts its best quarter yet on data center GPU sales")
    df: dict[str, int] = {}
    same, matched = word_similarity(weigh(zh, df, 10), weigh(en, df, 10))
    different, _ = word_similarity(weigh(zh, df, 10), weigh(other, df, 10))
    assert same > 0.3 > different
    assert "记忆" in matched


def test_a_configured_alias_joins_names_across_scripts() -> None:
    zh = make_post("1", "cn", "硅基流动上线新的推理服务，支持更多开源模型", WHEN)
    en = make_post("2", "us", "SiliconFlow launches its new inference service for open models",
                   "2025-12-06T21:30:00Z")
    plain = {frozenset(s.post_ids) for s in build_stories([zh, en])}
    assert frozenset({"1", "2"}) not in plain
    settings = StoriesSection(aliases={"硅基流动": "siliconflow"})
    lexicon = Lexicon.build(settings.aliases)
    assert "siliconflow" in extract(zh.text, lexicon).names
    joined = build_stories([zh, en], settings=settings, aliases=settings.aliases)
    assert [sorted(s.post_ids) for s in joined] == [["1", "2"]]


def test_a_post_that_writes_both_names_teaches_the_alias() -> None:
    teacher = make_post("1", "cn", "硅基流动（SiliconFlow）宣布完成新一轮融资", WHEN)
    evidence = mine([teacher])
    assert ("硅基流动", "siliconflow", "1", "paren") in evidence
    assert accepted([("硅基流动", "siliconflow", 1, 0)]) == {"硅基流动": "siliconflow"}
    # side by side without brackets, three posts must agree; prose before a name teaches nothing
    prose = [make_post(str(n), "cn", f"今天发布 GPT-{n} 和更多内容", WHEN) for n in range(5, 8)]
    assert mine(prose) == []
    assert accepted([("硅基流动", "siliconflow", 0, 2)]) == {}
    assert accepted([("硅基流动", "siliconflow", 0, 3), ("硅基流动", "flow", 0, 2)]) == {}


def test_the_pair_score_and_its_top_evidence_are_in_the_reasons() -> None:
    zh = make_post("1", "cn", "Anthropic 称有实验室动用约 2.4 万个假账号向 Claude 提问，前后超过 "
                   "1600 万次对话，用来蒸馏自家模型", WHEN)
    en = make_post("2", "us", "Anthropic: about 24,000 fake accounts ran more than 16M conversations "
                   "with Claude to distill rival models", "2025-12-06T21:20:00Z")
    story = build_stories([zh, en])[0]
    assert sorted(story.post_ids) == ["1", "2"]
    joined = [r for r in story.reasons if r.startswith("@")]
    assert joined and re.search(r"p=[01]\.\d\d \(link at 0\.\d\d\)", joined[0])
    assert "same figures 1.6e+07, 2.4e+04" in joined[0]


def test_chaining_is_refused_average_link() -> None:
    """A–B and B–C are the same event by verdict, A–C is not: A and C never share a story."""
    posts = [make_post("a", "x", "OpenAI 推出 GPT-5.4", WHEN),
             make_post("b", "y", "GPT-5.4 is out, and Codex gets new prices", WHEN),
             make_post("c", "z", "Codex 的价格变了", WHEN)]
    feats = [featurize(p) for p in posts]
    verdicts = {pair_key("a", "b"): True, pair_key("b", "c"): True, pair_key("a", "c"): False}
    groups = [{feats[i].id for i in g.members} for g in group_posts(feats, verdicts=verdicts)]
    assert not any({"a", "c"} <= g for g in groups)
    assert any({"a", "b"} <= g for g in groups)


def test_chaining_through_one_broad_post_is_refused_on_real_scores() -> None:
    """One English recap covers two different releases; each Chinese post matches it, but the
    two Chinese posts are different events and must not end in one story."""
    a = make_post("a", "cn", "通义千问开源 Qwen3.5 家族，含 122B-A10B 和 35B-A3B 两个 MoE 版本", WHEN)
    c = make_post("c", "cn", "智谱公开 GLM-5 的技术报告：用了 DSA 稀疏注意力，已在 7 款国产芯片上跑通", WHEN)
    b = make_post("b", "us", "Roundup: Qwen3.5 ships open weights in 122B-A10B and 35B-A3B MoE sizes; "
                  "separately, Zhipu's GLM-5 report covers DSA attention and 7 Chinese chips",
                  WHEN)
    labels = {p: s.id for s in build_stories([a, b, c]) for p in s.post_ids}
    assert labels["a"] != labels["c"]


def test_aliases_file_and_table_from_the_cli(tmp_path: object, project: object, runner: object) -> None:
    from pathlib import Path

    from click.testing import CliRunner

    from aidigest.cli import main

    assert isinstance(project, Path) and isinstance(runner, CliRunner)
    (project / "more_aliases.toml").write_text('[aliases]\n"月之暗面科技" = "moonshot"\n',
                                               encoding="utf-8")
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "aliases = {}", 'aliases = { "硅基流动" = "siliconflow" }\naliases_file = "more_aliases.toml"'),
        encoding="utf-8")
    result = runner.invoke(main, ["stories", "--aliases", "--json"])
    assert result.exit_code == 0, result.output
    table = {row["spelling"]: row for row in json.loads(result.output)}
    assert table["硅基流动"] == {"spelling": "硅基流动", "name": "siliconflow",
                                "origin": "configured", "posts": None}
    assert table["月之暗面科技"]["origin"] == "configured"
    assert table["千问"]["origin"] == "package"


def test_cosine_is_measured_against_each_posts_neighbours() -> None:
    """A roundup post close to everything gets no cosine credit for a pair that a specific
    post earns with the same raw cosine (the hubness correction of the ``cosine`` feature)."""
    from aidigest.stories.pairs import FEATURES, evidence, window_stats

    rng = np.random.default_rng(11)
    common = rng.normal(size=32)  # as in real embeddings, every post shares a direction
    topics = rng.normal(size=(8, 32)) / np.sqrt(32) + 1.5 * common / np.linalg.norm(common)
    posts, vectors = [], {}
    for k in range(8):  # one English and one Chinese post per topic
        for lang, text in (("en", f"Topic {k} news from the lab"), ("zh", f"第{k}个话题的新闻")):
            p = make_post(f"{lang}{k}", f"u{lang}{k}", text, WHEN, lang=lang)
            v = topics[k] + rng.normal(scale=0.04, size=32)
            posts.append(p)
            vectors[p.id] = v / np.linalg.norm(v)
    hub = make_post("roundup", "digest", "Roundup of all topics today", WHEN, lang="en")
    mean = topics.mean(axis=0)
    vectors[hub.id] = mean / np.linalg.norm(mean)
    posts.append(hub)
    feats = {p.id: featurize(p) for p in posts}
    stats = window_stats(list(feats.values()), vectors)
    col = FEATURES.index("cosine")

    def cosine_feature(a: str, b: str) -> float:
        cos = float(vectors[a] @ vectors[b])
        return float(evidence(feats[a], feats[b], stats, cos).values[col])

    specific = cosine_feature("en3", "zh3")
    roundup = cosine_feature("roundup", "zh3")
    raw_roundup = float(vectors["roundup"] @ vectors["zh3"])
    assert raw_roundup > 0.8  # a high raw cosine
    assert specific > 0.2
    assert roundup < specific / 2
    assert cosine_feature("en3", "zh5") == 0.0  # different topics: nothing above the neighbours

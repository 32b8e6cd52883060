"""Side-by-side material for docs/writer.md: run the real pipeline (`aidigest run`) on the
bundled sample window against the scripted local chat server (tests/llm_server.py).

Four stories get hand-written answers in the reference digests' voice (what a good model
should answer; written for this script, facts only from the sample posts); the ListenHub
story is first answered badly (an over-long headline, a sentence said twice, a bold term
glued inside a word) to show the gate's one repair. Every other story gets the server's
generic automatic answer. Prints the scripted items as published, and each item's outcome.

    .venv/bin/python scripts/writer_sample.py
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from aidigest.cli import main
from aidigest.store import open_store
from llm_server import Reply, auto_answer, chat_server

SLOT = "2025-12-07T08"
ANSWERS: dict[str, dict[str, Any]] = {
    "箭头": {
        "title": "纯AI短片《箭头》刷屏，AI工具链已能讲完整故事",
        "summary": "B站UP主**DiDi_OK**发布了纯AI制作的短片**《箭头》**：画面由**Nano Banana**生成，"
                   "VEO3和Runway负责把画面变成镜头，配乐来自**Suno**。影片设定在一个“屏幕世界”里，"
                   "追问人作为程序中的NPC是否还有存在的意义。多位作者认为，这部作品说明AI视频工具链"
                   "已经足以支撑一个有完整世界观的故事，创作门槛主要剩下审美和剧本。",
        "key_terms": ["DiDi_OK", "《箭头》", "Nano Banana", "Suno"]},
    "Rnj-1": {
        "title": "Essential AI发布首个开源模型Rnj-1，主打8B小而精",
        "summary": "由Transformer论文作者之一**Ashish Vaswani**联合创立的**Essential AI**发布了首个"
                   "开源模型**Rnj-1**，包括8B基础模型和8B指令模型，权重已上架**Hugging Face**，定位是"
                   "同尺寸里的世界级开放模型。这家明星团队选择先做小而精的模型，给开源社区又添了一个"
                   "8B级别的选择，实际水平还要等社区跑完评测再看。",
        "key_terms": ["Ashish Vaswani", "Essential AI", "Rnj-1", "Hugging Face"]},
    "NotebookLM": {
        "title": "NotebookLM手机端三大更新，拍照即可添加资料来源",
        "summary": "**NotebookLM**手机客户端迎来三项更新：可以上传文件，或直接拍下白板、讲义和书页作为"
                   "资料来源；手机上也能用**Nano Banana Pro**生成信息图和PPT幻灯片；**音频概览**会"
                   "记住播放进度，网页端和手机端同步。对学生和经常开会的人来说，随手拍照就能提问、"
                   "生成图表，通勤路上没听完的内容回到电脑前也能接着听，移动端终于能走完一整套笔记"
                   "和创作流程。",
        "key_terms": ["NotebookLM", "Nano Banana Pro", "音频概览"]},
    "ListenHub": {
        "title": "ListenHub上线文章转PPT，10元一份自动排版配图",
        "summary": "**ListenHub**上线了文章转**PPT**功能：导入一篇长文，AI会自己拆分结构、选择版式并"
                   "配上插图，出来的页面审美在线。每份收费10元，按份计费不用订阅，还附带讲解音频和"
                   "视频，可以一键发布到YouTube和视频号，生成的PPT也能导出成可编辑文件。有作者实测"
                   "几分钟就生成了二十多页，对偶尔要做分享、又不想熬夜排版的人来说很划算。",
        "key_terms": ["ListenHub", "PPT"]},
}
BAD_LISTENHUB = {
    "title": "ListenHub上线了文章转PPT功能，丢进去一篇长文AI就能自己拆结构选版式配插图",
    "summary": "ListenHub上线了文章转PPT功能。ListenHub上线了文章转PPT功能。导入一篇长文，AI会自己"
               "拆分结构、选择版式并配上插图，每份收费10元，还附带讲解音频和视频，可以一键发布到"
               "You**Tube**和视频号，生成的PPT也能导出成可编辑文件，适合偶尔要做分享的人。",
    "key_terms": ["Tube"]}


def answer(body: dict[str, Any]) -> Reply:
    first_user = next(str(m["content"]) for m in body["messages"] if m["role"] == "user")
    posts = first_user.split("<<<POSTS", 1)[-1]
    repair = len(body["messages"]) > 2
    for key, item in ANSWERS.items():
        if "<<<POSTS" in first_user and key in posts:
            chosen = BAD_LISTENHUB if key == "ListenHub" and not repair else item
            return Reply(json.dumps(chosen, ensure_ascii=False))
    return Reply(auto_answer(body))


def main_() -> None:
    root = Path(tempfile.mkdtemp()) / "digest"
    runner = CliRunner()
    runner.invoke(main, ["init", str(root)])
    cfg = root / "aidigest.toml"
    with chat_server() as server:
        server.push(*[answer] * 200)
        cfg.write_text(cfg.read_text(encoding="utf-8").replace("build = true", "build = false") + (
            "\n[[llm.providers]]\n" 'name = "scripted"\n' f'base_url = "{server.base_url}"\n'
            'model = "scripted-zh"\n' 'api_key_env = "SCRIPTED_KEY"\n' "json_mode = true\n"),
            encoding="utf-8")
        os.environ["SCRIPTED_KEY"] = "sk-scripted"
        result = runner.invoke(main, ["run", "--slot", SLOT, "--config", str(cfg)])
        assert result.exit_code == 0, result.output
        repairs = [r.json["messages"][-1]["content"] for r in server.chat_requests
                   if len(r.json["messages"]) > 2]
    page = (root / "site" / "content" / "posts" / f"{SLOT}.md").read_text(encoding="utf-8")
    for block in re.split(r"\n\n(?=\d+\.\s+\[)", page.split("---\n", 2)[2].strip()):
        if any(key in block.split("\n")[0] for key in ("箭头", "Rnj-1", "NotebookLM", "ListenHub")):
            print(block, end="\n\n")
    print("repair requests:", *repairs, sep="\n  ")
    with open_store(root / "aidigest.db") as store:
        (run,) = store.recent_runs(1)
    print("item outcomes:", sorted({i.outcome for i in run.report.items}))


if __name__ == "__main__":
    main_()

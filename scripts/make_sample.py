# ruff: noqa: E501
"""Regenerate the bundled sample window ``src/aidigest/data/sample_posts.jsonl``.

Usage: ``python scripts/make_sample.py``. Deterministic (fixed seed, no clock, no network).

The window is slot ``2025-12-07T08`` (Asia/Shanghai), i.e. 2025-12-06T20:00:00Z up to but
excluding 2025-12-07T00:00:00Z. Texts were written for this project from public facts of early
December 2025; follower counts are approximate and engagement numbers are synthetic. Ids are
X snowflakes consistent with ``created_at``: ``(unix_ms - 1288834974657) << 22`` plus low bits.

Each post below is ``P(key, handle, at, lang, text, ...)`` where ``at`` is minutes after the
window start (negative or >= 240 puts the post outside the window); ``reply``/``quote``/
``repost`` name another post's key. A repost's text is built from its original.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "aidigest" / "data" / "sample_posts.jsonl"
START = datetime(2025, 12, 6, 20, 0, tzinfo=UTC)
END = START + timedelta(hours=4)
TWEPOCH_MS = 1288834974657
SEED = 20251207

AUTHORS: dict[str, tuple[str, int]] = {
    "dotey": ("宝玉", 120_000),
    "op7418": ("歸藏(guizang.ai)", 101_000),
    "imxiaohu": ("小互", 88_000),
    "oran_ge": ("Orange AI", 57_000),
    "ClementDelangue": ("clem 🤗", 176_000),
    "amasad": ("Amjad Masad", 271_000),
    "mervenoyann": ("merve", 63_000),
    "RisingSayak": ("Sayak Paul", 24_000),
    "AndrewYNg": ("Andrew Ng", 1_240_000),
    "karpathy": ("Andrej Karpathy", 1_450_000),
    "sama": ("Sam Altman", 3_540_000),
    "OpenAI": ("OpenAI", 4_300_000),
    "Alibaba_Qwen": ("Qwen", 146_000),
    "GoogleDeepMind": ("Google DeepMind", 1_130_000),
    "NotebookLM": ("NotebookLM", 214_000),
    "joshwoodward": ("Josh Woodward", 41_000),
    "EssentialAI": ("Essential AI", 13_500),
    "_akhaliq": ("AK", 392_000),
    "swyx": ("swyx", 128_000),
    "Replit": ("Replit", 232_000),
    "venturetwins": ("Justine Moore", 104_000),
    "rowancheung": ("Rowan Cheung", 612_000),
    "WSJ": ("The Wall Street Journal", 20_900_000),
    "markgurman": ("Mark Gurman", 455_000),
    "OpenRouterAI": ("OpenRouter", 98_000),
    "PeterDiamandis": ("Peter H. Diamandis, MD", 520_000),
    "EMostaque": ("Emad", 243_000),
    "foodie_lin": ("林小吃", 3_100),
    "runner_mei": ("梅跑跑", 2_200),
    "zuqiu_laoli": ("足球老李", 8_700),
}


@dataclass
class P:
    key: str
    handle: str
    at: float
    lang: str
    text: str = ""
    links: list[str] = field(default_factory=list)
    reply: str | None = None
    quote: str | None = None
    repost: str | None = None
    boost: float = 1.0
    exact: bool = False  # True: created exactly at ``at`` minutes (no random seconds)


# Window-relative minutes: 0 = 2025-12-06T20:00Z (04:00 in Shanghai), 240 = 2025-12-07T00:00Z.
POSTS: list[P] = [
    # --- event: the AI short film 《箭头》 by DiDi_OK -------------------------------------------
    P("arrow_dotey", "dotey", 95, "zh",
      "B站UP主 DiDi_OK 发布了一部纯AI制作的短片《箭头》：画面用 Nano Banana 出图，再用 VEO3 和 Runway 生成镜头，配乐交给 Suno。故事围绕一个问题展开——如果世界只是一段程序，你还愿意继续做NPC吗？叙事完整、节奏稳，画面和音乐的衔接也很自然，算是我目前看到的国内纯AI创作里完成度最高的一部。",
      ["https://www.bilibili.com/video/BV1Xa4y1arrow"], boost=2.2),
    P("arrow_op7418", "op7418", 112, "zh",
      "强烈推荐看看《箭头》。一个人用 Nano Banana 做关键帧，VEO3 和 Runway 负责动起来，Suno 写配乐，就能做出有完整世界观的短片。AI视频工具链已经成熟到可以讲一个完整故事了，门槛主要剩下审美和剧本。",
      quote="arrow_dotey", boost=1.3),
    P("arrow_imxiaohu", "imxiaohu", 130, "zh",
      "纯AI短片《箭头》在B站刷屏：创作者 DiDi_OK 全流程使用AI工具，Nano Banana 生成画面、VEO3 与 Runway 生成视频、Suno 生成音乐。影片设定在一个“屏幕世界”里，探讨人作为程序中的NPC还有没有存在的意义。",
      ["http://bilibili.com/video/BV1Xa4y1arrow/?share_source=x"]),
    P("arrow_venturetwins", "venturetwins", 170, "en",
      "A fully AI-made short film out of China is making the rounds: 箭头 (Arrow) by DiDi_OK. Nano Banana for the frames, Veo 3 and Runway for motion, Suno for the score. The writing is what makes it work.",
      ["https://www.bilibili.com/video/BV1Xa4y1arrow/"]),

    # --- event: Nano Banana Pro prompt showcases ------------------------------------------------
    P("nbp_deepmind", "GoogleDeepMind", 30, "en",
      "Nano Banana Pro in the Gemini app can now pull in real-time information from Google Search before it generates, so your infographics and diagrams stay accurate and up to date.",
      ["https://deepmind.google/models/gemini-image/pro/"], boost=0.6),
    P("nbp_op7418", "op7418", 60, "zh",
      "用 Nano Banana Pro 做了一组带中文标题的3D微缩场景海报，十几张里几乎没有错字，排版也很稳。提示词的关键是把镜头角度、材质、光线和要出现的文字逐条写清楚，模型基本都能照做，提示词放在评论区。",
      boost=1.1),
    P("nbp_dotey_1", "dotey", 110, "zh",
      "整理几个最近很火的 Nano Banana Pro 提示词玩法。第一类：高对比度的科学插画风格，比如把 Google 的 Android 机器人画成解剖图，线条、标注和配色都像教科书插页。提示词里要写明风格参考、背景颜色和标注文字。",
      boost=1.6),
    P("nbp_dotey_2", "dotey", 112, "zh",
      "第二类：带文字的3D卡通微缩场景，例如《鱿鱼游戏》主题的小岛模型，人物、道具和标题字都在一个画面里。Nano Banana Pro 的文字渲染能力强，标题放在提示词的引号里，成功率会高很多。",
      reply="nbp_dotey_1"),
    P("nbp_dotey_3", "dotey", 114, "zh",
      "第三类：像素艺术风格的信息可视化，比如“汉字演化史”从甲骨文到简体字的时间线。Nano Banana Pro 接入 Gemini 之后可以先联网查资料再画，以前要自己接搜索 API，现在一句提示词就搞定，可玩性高了很多。",
      reply="nbp_dotey_2"),

    # --- event: AI coding mindset discussion ----------------------------------------------------
    P("code_karpathy", "karpathy", 40, "en",
      "English is still the hottest new programming language, but the real skill is knowing precisely what you want. Vague specs in, vague code out. The models are not the bottleneck on most tasks anymore.",
      boost=0.5),
    P("code_swyx", "swyx", 55, "en",
      "the bottleneck in AI coding moved from typing to specifying. the best engineers I know now write more tests and design docs than code",
      quote="code_karpathy"),
    P("code_dotey_1", "dotey", 70, "zh",
      "有位后端开发说，把业务逻辑讲给AI听比自己写代码还累，所以宁愿待在舒适区。我的看法是：能用大白话把需求说清楚，本来就是资深程序员的基本功。可以先写伪代码当提示，或者用TDD的方式，先写测试让AI按测试实现，效果会好很多。",
      boost=1.2),
    P("code_dotey_2", "dotey", 73, "zh",
      "另外也建议每周留一些时间自己手写代码，不然技能真的会退化，出了问题连AI生成的代码都看不懂。人机协作的意思是把重复劳动交给AI，而不是把思考也一起交出去。",
      reply="code_dotey_1"),

    # --- event: ListenHub turns an article into a PPT for 10 RMB --------------------------------
    P("lh_oran_1", "oran_ge", -230, "zh",
      "ListenHub 上线了文章转PPT：丢进去一篇长文，AI自己拆结构、选版式、配插图，出来的PPT审美在线，不用再手动调排版。一份10块钱，还送讲解音频和视频，可以一键发到 YouTube 和视频号，这个价格真的很香。",
      ["https://listenhub.ai/?utm_source=x"], boost=1.4),
    P("lh_op7418_rt", "op7418", 20, "zh", repost="lh_oran_1"),
    P("lh_oran_2", "oran_ge", 25, "zh",
      "补充一下大家问得最多的问题：ListenHub 生成的PPT可以导出成可编辑的文件，配套的讲解音频也能换音色。10元是按份收费，不用订阅，适合偶尔要做分享又不想熬夜排版的人。",
      reply="lh_oran_1"),
    P("lh_dotey", "dotey", 85, "zh",
      "试了下 ListenHub 的文章转PPT，把我之前写的一篇关于AI编程的长文丢进去，几分钟出了二十多页，版式和配图都比我自己做的好看，还附带一段讲解视频。10元一份，做知识分享类内容的朋友可以试试。",
      ["https://listenhub.ai/"]),

    # --- event: Essential AI releases Rnj-1 (8B) ------------------------------------------------
    P("rnj_essential", "EssentialAI", 15, "en",
      "Today we're releasing Rnj-1, our first open model: an 8B base model and an 8B instruct model, built to be best in class at their size. Weights are on Hugging Face.",
      ["https://www.essential.ai/research/rnj-1"], boost=4.0),
    P("rnj_clem", "ClementDelangue", 28, "en",
      "Essential AI, co-founded by Ashish Vaswani (first author of Attention Is All You Need), just dropped Rnj-1, a world-class 8B open model. Welcome to open-source AI, more of this please!",
      quote="rnj_essential", boost=1.5),
    P("rnj_akhaliq", "_akhaliq", 35, "en",
      "Essential AI just released Rnj-1 on Hugging Face\n\n8B base and instruct models from the team co-founded by Ashish Vaswani",
      ["https://huggingface.co/EssentialAI/rnj-1-instruct"]),
    P("rnj_imxiaohu", "imxiaohu", 50, "zh",
      "Essential AI 发布了新模型 Rnj-1：这是他们的第一个开源模型，包含8B基础模型和8B指令模型，定位是同尺寸里的世界级开放模型。Essential AI 由 Transformer 论文《Attention Is All You Need》作者之一 Ashish Vaswani 联合创立。",
      ["https://essential.ai/research/rnj-1?utm_source=x"]),
    P("rnj_dotey", "dotey", 175, "zh",
      "Ashish Vaswani 是 Transformer 论文的第一作者，他联合创立的 Essential AI 终于发了第一个模型 Rnj-1，只有8B，走的是小而精的路线。开源模型这边越来越热闹了，等社区跑完评测再看实际水平。",
      ["https://huggingface.co/EssentialAI/rnj-1-instruct?utm_source=x"], boost=0.8),

    # --- event: NotebookLM mobile update --------------------------------------------------------
    P("nblm_official", "NotebookLM", 5, "en",
      "Big update to NotebookLM on mobile: add sources by uploading a file or snapping a photo of a whiteboard or book page, create infographics and slide decks powered by Nano Banana Pro, and Audio Overviews now remember where you left off across web and mobile.",
      ["https://blog.google/technology/google-labs/notebooklm-mobile-app-update/"], boost=1.2),
    P("nblm_josh_rt", "joshwoodward", 9, "en", repost="nblm_official"),
    P("nblm_imxiaohu", "imxiaohu", 42, "zh",
      "NotebookLM 手机客户端三大更新：1）可以直接上传文件或拍照作为资料来源，白板、讲义、书页拍下来就能提问；2）手机上也能用 Nano Banana Pro 生成信息图和PPT幻灯片；3）音频概览会自动记住播放进度，网页端和手机端同步。",
      ["http://blog.google/technology/google-labs/notebooklm-mobile-app-update"], boost=1.3),
    P("nblm_op7418", "op7418", 66, "zh",
      "NotebookLM 手机端终于能拍照添加来源了。上课拍一张白板，直接让它生成信息图或者几页幻灯片，图是 Nano Banana Pro 画的，中文字也没乱码。学生党和经常开会的人应该会很喜欢。",
      quote="nblm_official"),
    P("nblm_dotey", "dotey", 190, "zh",
      "NotebookLM 这次手机端的更新很实用：拍书页当资料来源、生成信息图和幻灯片、音频进度多端同步。我现在通勤路上听音频概览，回到电脑前能接着听，体验顺了很多。",
      ["https://blog.google/technology/google-labs/notebooklm-mobile-app-update/?utm_medium=social"]),

    # --- event: Alibaba Qwen3-TTS ---------------------------------------------------------------
    P("tts_qwen_1", "Alibaba_Qwen", 20, "en",
      "Introducing Qwen3-TTS! 49 high-quality voices, 10 languages and 9 Chinese dialects, with tone and rhythm that adapt to the text. On our multilingual benchmark it reaches a lower word error rate than leading commercial TTS models.",
      ["https://qwen.ai/blog?id=qwen3-tts-1128"], boost=1.5),
    P("tts_qwen_2", "Alibaba_Qwen", 22, "en",
      "Try Qwen3-TTS in the demo on Hugging Face, or call it through the API on Alibaba Cloud Model Studio.",
      ["https://huggingface.co/spaces/Qwen/Qwen3-TTS-Demo"], reply="tts_qwen_1"),
    P("tts_akhaliq", "_akhaliq", 38, "en",
      "Alibaba just released Qwen3-TTS on Hugging Face\n\n49 voices, 10 languages, 9 Chinese dialects",
      ["https://huggingface.co/spaces/Qwen/Qwen3-TTS-Demo/"]),
    P("tts_imxiaohu", "imxiaohu", 48, "zh",
      "阿里通义发布了新模型 Qwen3-TTS：提供49种高品质音色，支持中英文等10种语言和9种中国方言，能根据文本内容自动调整语气和节奏，听起来更像真人。在多语言语音合成评测里，词错误率（WER）低于主流商用模型。",
      ["https://qwen.ai/blog?id=qwen3-tts-1128&utm_source=x"], boost=1.2),
    P("tts_op7418", "op7418", 140, "zh",
      "试了 Qwen3-TTS 的方言：四川话和粤语都挺地道，语气会跟着句子情绪走，不是那种一字一顿的机器腔。49种音色做播客和短视频配音基本够用了，就是长段落偶尔会有一点点停顿不自然。",
      ["https://qwen.ai/blog?id=qwen3-tts-1128"]),

    # --- event: 50+ Apple engineers and designers leave for OpenAI (WSJ) ------------------------
    P("apple_wsj", "WSJ", -90, "en",
      "Dozens of Apple engineers and designers, more than 50 in recent months, have left for OpenAI, bringing expertise in audio, watch design and robotics as the ChatGPT maker builds its own devices.",
      ["https://www.wsj.com/tech/apple-engineers-openai-hardware-devices?mod=tw"], boost=0.3),
    P("apple_rowan", "rowancheung", 10, "en",
      "OpenAI keeps poaching Apple hardware talent: 50+ engineers and designers in recent months per WSJ, from audio to Watch design to robotics. The device team is clearly serious.",
      quote="apple_wsj"),
    P("apple_imxiaohu", "imxiaohu", 33, "zh",
      "据《华尔街日报》报道，近几个月已有50多名苹果工程师和设计师跳槽到 OpenAI，覆盖音频、手表设计、机器人等核心领域，其中包括负责 iPhone、AirPods 和 Apple Watch 平台级音频技术的人，也有做可穿戴设备工业设计的。",
      ["https://wsj.com/tech/apple-engineers-openai-hardware-devices"], boost=1.1),
    P("apple_gurman", "markgurman", 60, "en",
      "The WSJ report on Apple staff leaving for OpenAI matches what I've been hearing. The hardware group under Tang Tan has been recruiting aggressively from Cupertino all year.",
      ["https://www.wsj.com/tech/apple-engineers-openai-hardware-devices"]),
    P("apple_dotey", "dotey", 160, "zh",
      "50多位苹果工程师和设计师去了 OpenAI，音频、手表、机器人方向都有。结合之前 Jony Ive 的 io 被收购，OpenAI 做硬件是认真的。对苹果来说，这比丢几个研究员更伤，因为这些人懂的是把产品做出来。",
      boost=0.9),

    # --- event: Gemini 3 Deep Think on 2026 trends, from the OpenRouter report ------------------
    P("trend_op7418", "op7418", -300, "zh",
      "让 Gemini 3 Deep Think 读完 OpenRouter 的 State of AI 报告，推演2026年AI行业的变化：推理成本会降到“白菜价”；云厂商会从按Token收费转向按任务结果收费；推理平台要为“长程记忆”重构，支持有状态的 Agent 连续工作几小时甚至几天。",
      ["https://openrouter.ai/state-of-ai"], boost=1.3),
    P("trend_openrouter_1", "OpenRouterAI", 80, "en",
      "Our State of AI report looks at real usage across hundreds of models on OpenRouter: what people actually run, how agentic workloads are growing, and where open models are winning share.",
      ["https://openrouter.ai/state-of-ai?ref=x"]),
    P("trend_openrouter_2", "OpenRouterAI", 82, "en",
      "One headline: reasoning models now handle a large share of all tokens, and tool calling keeps climbing. Full report at the link.",
      reply="trend_openrouter_1"),
    P("trend_dotey", "dotey", 125, "zh",
      "歸藏让 Gemini 3 Deep Think 基于 OpenRouter 报告做的2026年预测，我最认同的是“按结果收费”：当推理便宜到可以忽略，企业愿意付钱的是问题被解决，而不是消耗了多少Token。Agent 的长程记忆也会成为基础设施的新战场。",
      quote="trend_op7418"),

    # --- event: Replit builds full-stack iOS/Android apps ---------------------------------------
    P("replit_official", "Replit", -150, "en",
      "You can now build full-stack native iOS and Android apps on Replit. Describe your idea, vibe code it into a real app with a backend and payments, and publish to the App Store.",
      ["https://blog.replit.com/mobile-apps"], boost=1.2),
    P("replit_amasad_rt", "amasad", 12, "en", repost="replit_official"),
    P("replit_amasad_1", "amasad", 45, "en",
      "Mobile is where most people live, so vibe coding has to work there too. Replit now does full-stack iOS and Android apps: idea to your first app in an afternoon, no Xcode required.",
      ["https://blog.replit.com/mobile-apps/"], boost=1.4),
    P("replit_amasad_2", "amasad", 47, "en",
      "Also shipping: a much better design mode so apps look good out of the box, and built-in monetization so you can start charging on day one.",
      reply="replit_amasad_1"),
    P("replit_swyx", "swyx", 65, "en",
      "Replit going after native mobile is a big deal, most vibe coding tools stop at web apps",
      quote="replit_amasad_1"),
    P("replit_oran", "oran_ge", 150, "zh",
      "Replit 现在能直接做全栈的 iOS 和 Android 原生应用了：用自然语言描述想法，Vibe Coding 生成前后端，内置支付，还能发布到 App Store。以前手机应用是 AI 编程工具最难啃的一块，这次门槛又降了一截。",
      ["https://blog.replit.com/mobile-apps?utm_source=twitter"]),

    # --- event: quanto can compile quantized models ---------------------------------------------
    P("quanto_merve_1", "mervenoyann", 100, "en",
      "you can now torch.compile quantized models with quanto 🔥 vision language models used to be hard to compile because of dynamic shapes, this makes them much faster to serve",
      ["https://github.com/huggingface/optimum-quanto"], boost=1.2),
    P("quanto_merve_2", "mervenoyann", 102, "en",
      "caveat: on some big VLMs like Qwen3-VL peak memory can go up after compiling, so benchmark on your own setup. notebook in the repo",
      reply="quanto_merve_1"),
    P("quanto_sayak", "RisingSayak", 118, "en",
      "compile + quantization finally playing nicely in quanto, this was a long time coming. works with diffusers pipelines too",
      quote="quanto_merve_1"),
    P("quanto_clem_rt", "ClementDelangue", 121, "en", repost="quanto_merve_1"),

    # --- event: Qwen's Gated Attention paper wins a NeurIPS 2025 best paper award ---------------
    P("gated_qwen", "Alibaba_Qwen", 75, "en",
      "Our paper Gated Attention for Large Language Models received a NeurIPS 2025 Best Paper Award. A head-specific sigmoid gate after attention improves training stability and removes the attention sink.",
      ["https://neurips.cc/virtual/2025/awards_detail"], boost=1.3),
    P("gated_akhaliq", "_akhaliq", 80, "en",
      "NeurIPS 2025 best paper: Gated Attention for Large Language Models from the Qwen team",
      quote="gated_qwen"),
    P("gated_imxiaohu", "imxiaohu", 88, "zh",
      "千问团队的论文《Gated Attention for Large Language Models》拿到了 NeurIPS 2025 最佳论文奖。核心改动很简单：在注意力输出后加一个按头计算的 sigmoid 门控，训练更稳定，还能消除 attention sink 现象，已经用在 Qwen3-Next 里。",
      ["https://neurips.cc/virtual/2025/awards_detail?utm_source=x"]),
    P("gated_swyx", "swyx", 200, "en",
      "at NeurIPS in San Diego, the Qwen gated attention best paper talk was standing room only. simple ideas that scale still win",
      boost=0.7),

    # --- event: Meta acquires Limitless ---------------------------------------------------------
    P("limitless_gurman", "markgurman", 138, "en",
      "Meta is acquiring Limitless, the startup behind the AI pendant that records and summarizes conversations. Limitless will stop selling its device to new customers.",
      ["https://www.bloomberg.com/news/articles/meta-limitless-ai-pendant"]),
    P("limitless_imxiaohu", "imxiaohu", 158, "zh",
      "Meta 收购了AI录音吊坠公司 Limitless。Limitless 的吊坠可以全天录音并自动总结对话，收购后硬件将停止向新用户销售，团队并入 Meta 的可穿戴设备部门，继续做AI眼镜相关的产品。",
      ["https://www.bloomberg.com/news/articles/meta-limitless-ai-pendant?srnd=technology"]),

    # --- event: ByteDance Seedream 4.5 ----------------------------------------------------------
    P("seedream_op7418", "op7418", 62, "zh",
      "字节的 Seedream 4.5 上线了，多图参考的一致性和文字渲染都明显变好，电商主图和海报基本一次出图。和 Nano Banana Pro 对比了几组，中文排版各有千秋，Seedream 在人物一致性上更稳一些。",
      ["https://seed.bytedance.com/seedream4_5"]),
    P("seedream_akhaliq", "_akhaliq", 78, "en",
      "ByteDance presents Seedream 4.5\n\nsharper text rendering, better multi-image consistency and stronger editing",
      ["https://seed.bytedance.com/seedream4_5/"]),

    # --- singletons -------------------------------------------------------------------------------
    P("sleep_op7418", "op7418", 150, "zh",
      "分享一个提示词：把 Apple Watch 的睡眠数据（清醒、REM、核心睡眠、深睡的时长占比）画成可爱风格的海报。每个睡眠阶段是透明竖瓶里的一层微缩景观，厚度对应时长，顶部放一个Q版小人抱着手表，底部写上日期和总时长。",
      boost=1.2),
    P("course_ng", "AndrewYNg", 105, "en",
      "New short course: Building coding agents that test their own work. Agents that write tests before code make far fewer silent mistakes, and you can see what they checked.",
      ["https://www.deeplearning.ai/short-courses/?utm_source=twitter"]),
    P("debt_diamandis", "PeterDiamandis", 135, "en",
      "AI-driven productivity may be the only realistic path out of the US debt crisis. And AI fluency is now the fastest-growing skill in US job postings. Learn it now.",
      boost=0.6),
    P("video_emad", "EMostaque", 145, "en",
      "With all these new video models I think pixel generation for video is basically solved next year. The hard part moves to story, control and consistency."),
    P("robot_imxiaohu", "imxiaohu", 165, "zh",
      "Google DeepMind 机器人团队的技术负责人谭捷接受了一次长访谈，聊了 Gemini Robotics 的研究方法、团队这几年的文化变化，以及为什么他认为机器人领域正在接近自己的“GPT时刻”。推荐做具身智能的朋友听一听。"),
    P("agents_swyx", "swyx", 115, "en",
      "Long-running agents need memory more than they need bigger context windows. The winning inference infra of 2026 will be stateful."),
    P("trending_clem", "ClementDelangue", 205, "en",
      "Looking at the Hugging Face trending page this week: 6 of the top 10 models come from Chinese labs. Open-source AI is a global race now and that's great for everyone."),
    P("sama_ship", "sama", 192, "en",
      "we have a lot of launches coming over the next few weeks, some big and some small. hope you like them!", boost=0.4),
    P("smolvlm_merve", "mervenoyann", 196, "en",
      "new blog: fine-tune a small vision language model on a single GPU with TRL, from data prep to evals, in under an hour",
      ["https://huggingface.co/blog/smolvlm-trl?utm_medium=social"]),
    P("kp_1", "karpathy", 178, "en",
      "Weekend project: a tiny web app that reads my bookmarks and writes me a daily reading list. Vibe coded end to end in about two hours with an LLM.",
      boost=0.5),
    P("kp_2", "karpathy", 180, "en",
      "The interesting part was not the code, it was deciding what \"interesting\" means for the ranking. Ended up with embeddings plus a few hand-written rules.",
      reply="kp_1"),
    P("kp_3", "karpathy", 183, "en",
      "Code is on GitHub if you want to fork it. It is messy. It is a weekend project.",
      ["https://github.com/karpathy/readinglist"], reply="kp_2"),

    # --- off topic (no AI content) ----------------------------------------------------------------
    P("food_1", "foodie_lin", 0, "zh",
      "中午去了巷子里新开的一家兰州牛肉面，汤头清亮，牛肉给得很大方，面是现拉的二细，筋道。老板说辣子是自己炒的，加一勺香到不行。人均二十出头，下次还要带朋友来。",
      exact=True),
    P("food_2", "foodie_lin", 185, "zh",
      "周末在家烤了一盘肉桂卷，黄油放多了一点，边缘有点焦，但是糖霜一抹上去谁也看不出来。家里人一口气吃了六个，明天准备试试抹茶口味，面团要提前一晚冷藏发酵。"),
    P("run_1", "runner_mei", 18, "zh",
      "昨天傍晚的5公里配速终于跑进了5分30秒，冬天跑步一定要多穿一层，热身做足，不然膝盖真受不了。跑完去喝了一碗热豆浆，整个人都活过来了，这周目标是再跑三次。"),
    P("travel_mei", "runner_mei", 210, "zh",
      "京都的红叶季已经到尾声了，清水寺附近人还是很多，建议一早去哲学之道，沿着小河慢慢走，几乎没有游客。晚上在锦市场吃了玉子烧和烤年糕，明天去奈良看小鹿。"),
    P("football_li", "zuqiu_laoli", 120, "zh",
      "今晚的英超太刺激了，下半场落后两球还能扳回来，补时阶段一脚远射直接绝杀，现场球迷都疯了。主教练赛后说球队的心气回来了，下周的德比战值得期待。"),
    P("tacos_swyx", "swyx", 90, "en",
      "in San Diego all week, any fish taco recommendations near the Gaslamp? will travel for good salsa"),
    P("rain_dotey", "dotey", 230, "zh",
      "西雅图又开始下雨了，冬天的西雅图就是这样，一连几周见不到太阳。周末带孩子去图书馆借了一摞绘本，回来煮了一锅番茄牛腩，窗外下雨屋里很暖和，这样的周末也挺好。"),
    P("novel_ng", "AndrewYNg", 155, "en",
      "Finished a wonderful novel on the flight home. Sometimes the best ideas come from stepping away from the screen for a few hours."),
    P("park_amasad", "amasad", 188, "en",
      "Taking the kids to the park this afternoon. Phones stay in the car."),
    P("coffee_oran", "oran_ge", 100, "zh",
      "今天换了一款埃塞俄比亚的咖啡豆，浅烘，手冲出来有很明显的茉莉花香和柑橘的酸，放凉一点之后甜感更明显。水温92度，粉水比1比15，推荐给喜欢果酸的朋友。"),
    P("snow_clem", "ClementDelangue", 239.98, "en",
      "First real snow of the season in Brooklyn this morning. The kids are already planning a snowman.",
      exact=True),

    # --- outside the window -----------------------------------------------------------------------
    P("zimage_clem", "ClementDelangue", -600, "en",
      "Z-Image Turbo from Ali_TongyiLab is #1 trending on Hugging Face: a 6B image model that runs on a 16GB consumer GPU and is fast enough for real-time use.",
      ["https://huggingface.co/Tongyi-MAI/Z-Image-Turbo"]),
    P("ds_imxiaohu", "imxiaohu", -330, "zh",
      "DeepSeek 发布 V3.2 正式版和 V3.2-Speciale：推理能力对标 GPT-5，Speciale 在 IMO 和 IOI 题目上达到金牌水平。新的稀疏注意力让长上下文推理更便宜，API 价格继续下调。",
      ["https://api-docs.deepseek.com/news/news251201"]),
    P("ds_dotey", "dotey", -300, "zh",
      "用 DeepSeek V3.2 跑了几个长上下文的任务，读完一个中等规模的代码库再回答问题，稳定性比上一版好不少，价格又便宜。开源模型追得真快，给 Agent 当主力模型也够用了。",
      ["https://api-docs.deepseek.com/news/news251201/"]),
    P("nanochat_kp", "karpathy", -120, "en",
      "Reading the nanochat issues this morning: people are training surprisingly capable small models on a single 8xH100 node for about $100. Love to see it.",
      ["https://github.com/karpathy/nanochat"]),
    P("run_2", "runner_mei", -200, "zh",
      "刚刚报名了明年春天的半程马拉松，给自己定的目标是两小时以内完赛。接下来每周跑四次，周末拉一次长距离，顺便把拖了很久的核心力量练习也捡起来。"),
    P("food_late", "foodie_lin", 240, "zh",
      "深夜饿了，煮了一碗葱油拌面，葱要用小火慢慢熬到焦黄，再加生抽、老抽和一点点糖。面条过一遍凉水更有嚼劲，配一个溏心蛋就是最满足的夜宵。",
      exact=True),
    P("kling_imxiaohu", "imxiaohu", 255, "zh",
      "可灵 Kling 2.6 上线，支持原生音频：一次生成就带同步的人物对白、音效和环境声，不用再单独配音。中文口型对得挺准，短视频和广告的制作流程又能省一步。",
      ["https://klingai.com/release-notes/kling-2-6"]),
    P("kling_akhaliq", "_akhaliq", 262, "en",
      "Kling 2.6 is live with native audio: dialogue, sound effects and ambience generated together with the video",
      ["https://klingai.com/release-notes/kling-2-6?utm_source=x"]),
    P("shopping_openai", "OpenAI", 275, "en",
      "Shopping research in ChatGPT is now available to all logged-in users on mobile and web. Tell ChatGPT what you need and get a personalized buyer's guide in minutes.",
      ["https://openai.com/index/chatgpt-shopping-research/"]),
    P("sama_late", "sama", 300, "en",
      "grateful to the team for an intense year. still so much to build.", boost=0.4),
]


def _metrics(post: P, followers: int, rng: random.Random) -> dict[str, int]:
    """Synthetic engagement: grows with followers, varies a lot from post to post."""
    if post.repost:
        return {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0, "bookmarks": 0, "views": 0}
    likes = int(0.2 * followers ** 0.75 * post.boost * rng.lognormvariate(0, 0.8))
    if post.reply:
        likes = likes // 3
    return {
        "likes": likes,
        "reposts": int(likes * rng.uniform(0.05, 0.25)),
        "replies": int(likes * rng.uniform(0.02, 0.12)),
        "quotes": int(likes * rng.uniform(0.005, 0.04)),
        "bookmarks": int(likes * rng.uniform(0.1, 0.9)),
        "views": int(likes * rng.uniform(40, 120)) + rng.randrange(50, 400),
    }


def _repost_text(original: dict[str, object]) -> str:
    author = original["author"]["handle"]  # type: ignore[index]
    body = str(original["text"])
    return f"RT @{author}: " + (body if len(body) <= 110 else body[:110] + "…")


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    by_key: dict[str, dict[str, object]] = {}
    rows: list[dict[str, object]] = []
    for post in POSTS:
        assert post.key not in by_key, post.key
        name, followers = AUTHORS[post.handle]
        seconds = round(post.at * 60) if post.exact else int(post.at * 60) + rng.randrange(0, 60)
        created = START + timedelta(seconds=seconds)
        unix_ms = int(created.timestamp()) * 1000 + (0 if post.exact else rng.randrange(0, 1000))
        pid = str(((unix_ms - TWEPOCH_MS) << 22) + rng.randrange(1, 1 << 22))
        refs = {k: by_key[v] for k, v in
                (("reply_to", post.reply), ("quote_of", post.quote), ("repost_of", post.repost)) if v}
        for target in refs.values():
            assert str(target["created_at"]) < created.isoformat().replace("+00:00", "Z"), post.key
        text = _repost_text(refs["repost_of"]) if "repost_of" in refs else post.text
        links = list(refs["repost_of"]["links"]) if "repost_of" in refs else list(post.links)  # type: ignore[call-overload]
        if post.links and not post.repost:
            text = f"{text} {post.links[0]}"
        parent = refs.get("reply_to")
        row: dict[str, object] = {
            "id": pid,
            "platform": "x",
            "url": f"https://x.com/{post.handle}/status/{pid}",
            "author": {"handle": post.handle, "name": name, "followers": followers},
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "lang": post.lang,
            "text": text,
            "links": links,
            "reply_to": parent["id"] if parent else None,
            "quote_of": refs["quote_of"]["id"] if "quote_of" in refs else None,
            "repost_of": refs["repost_of"]["id"] if "repost_of" in refs else None,
            "conversation_id": parent["conversation_id"] if parent else pid,
            "metrics": _metrics(post, followers, rng),
        }
        by_key[post.key] = row
        rows.append(row)
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids), "duplicate ids"
    return sorted(rows, key=lambda r: (str(r["created_at"]), str(r["id"])))


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    inside = [r for r in rows if START <= datetime.fromisoformat(str(r["created_at"])) < END]
    kinds = Counter(k for r in rows for k in ("reply_to", "quote_of", "repost_of") if r[k])
    print(f"{len(rows)} posts ({len(inside)} in the window), "
          f"{len({r['author']['handle'] for r in rows})} authors, "  # type: ignore[index]
          f"{dict(kinds)} -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

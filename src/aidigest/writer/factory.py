"""Choose the writer for a run: the LLM writer when providers are configured and not
``--offline``, else the offline extractive writer (and the run report says so)."""

from __future__ import annotations

from aidigest.config import Config
from aidigest.models import RunReport
from aidigest.store import Store
from aidigest.writer import Writer
from aidigest.writer.offline import OfflineWriter

OFFLINE_NOTE = "offline writer: {why}; items keep the posts' own language"


def make_writer(
    cfg: Config,
    store: Store | None,
    *,
    offline: bool = False,
    slot_key: str = "",
    run_id: int | None = None,
    report: RunReport | None = None,
) -> Writer:
    """The writer for this run; notes the offline choice in ``report`` when given."""
    if offline or not cfg.llm.providers:
        if report is not None:
            why = "--offline was given" if offline else "no LLM provider configured"
            report.note(OFFLINE_NOTE.format(why=why))
        return OfflineWriter()
    from aidigest.writer.llm import LlmWriter

    return LlmWriter(cfg, store, slot_key=slot_key, run_id=run_id)

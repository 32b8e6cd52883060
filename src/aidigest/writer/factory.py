"""Choose the writer for a run: the LLM writer when providers are configured and not
``--offline``, else the offline extractive writer (and the run report says so)."""

from __future__ import annotations

from collections.abc import Callable

from aidigest.config import Config
from aidigest.models import ItemProgress, RunReport
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
    deadline: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_item: Callable[[ItemProgress], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Writer:
    """The writer for this run; notes the offline choice in ``report`` when given.

    ``deadline`` (a ``time.monotonic()`` value), ``should_stop``, ``on_item`` and ``on_wait``
    reach the LLM writer (see :class:`~aidigest.writer.llm.LlmWriter`); the offline writer,
    which makes no call, ignores them."""
    if offline or not cfg.llm.providers:
        if report is not None:
            why = "--offline was given" if offline else "no LLM provider configured"
            report.note(OFFLINE_NOTE.format(why=why))
        return OfflineWriter(cfg.render.update_prefix)
    from aidigest.writer.llm import LlmWriter

    return LlmWriter(cfg, store, slot_key=slot_key, run_id=run_id, deadline=deadline,
                     should_stop=should_stop, on_item=on_item, on_wait=on_wait)

"""Live at the close: the digest is published seconds after its window ends.

While a window is open the scheduler polls the sources (:mod:`~aidigest.live.ingest`, each
post read once through the sources' cursors, embeddings computed as posts arrive) and runs
``prepare`` (:mod:`~aidigest.live.prepare`), which writes ahead the items likely to be chosen
into the LLM cache, keyed by each story's content. At the close the ordinary pipeline runs a
short last fetch, rebuilds the stories and finds every unchanged story's item in the cache, so
only new or changed stories cost a call. :mod:`~aidigest.live.close` accounts for it: items
written ahead that were used or wasted, and the latency from the slot's end to its built page;
:mod:`~aidigest.live.plan` holds the pure decisions, :mod:`~aidigest.live.loop` the scheduler's
work between closes.

Does NOT publish anything itself.
"""

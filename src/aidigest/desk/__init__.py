"""The editor's desk: a small local web app (``aidigest serve``) and the matching CLI actions
to review, edit and approve digests, and to see runs, source health and LLM spend.

- :mod:`aidigest.desk.actions`: the state changes (edit, drop, move, swap, regenerate, reject,
  approve), as functions over the store and the pipeline; the CLI calls them too.
- :mod:`aidigest.desk.views`: what each page shows, as plain data (no HTML).
- :mod:`aidigest.desk.app`: the Starlette app (routes, CSRF, basic auth, templates).
- :mod:`aidigest.desk.server`: the host/password checks and uvicorn.

Does NOT write items itself (the writers do) nor publish by other means than
:func:`aidigest.pipeline.publish_digest`.
"""

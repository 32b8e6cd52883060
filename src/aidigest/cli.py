"""The ``aidigest`` command: thin click commands over the library (no logic lives here)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.table import Table

from aidigest import __version__
from aidigest.config import Config, load_config
from aidigest.console import clip, err, labelled, out
from aidigest.errors import AidigestError, InputError
from aidigest.models import Post, SourceReport
from aidigest.publish import find_hugo, init_site
from aidigest.slots import Slot, parse_slot
from aidigest.sources.jsonl import read_lines, write_posts
from aidigest.starter import config_text
from aidigest.store import Store, open_store
from aidigest.timeutil import parse_instant
from aidigest.writer.presets import PRESETS

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Print AidigestErrors as one clear message and exit 1 (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AidigestError as exc:
            err.print(labelled("error:", str(exc)))
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None,
    help="Config file (default: ./aidigest.toml or $AIDIGEST_CONFIG).",
)


@contextmanager
def opened(config_path: str | None) -> Iterator[tuple[Config, Store]]:
    cfg = load_config(config_path)
    store = open_store(cfg.store_target)
    try:
        yield cfg, store
    finally:
        store.close()


def _slot(cfg: Config, text: str | None) -> Slot | None:
    return parse_slot(text, cfg.digest.timezone, cfg.digest.slot_hours) if text else None


@click.group()
@click.version_option(__version__, prog_name="aidigest")
def main() -> None:
    """aidigest: the Chinese AI-news digest "过去4小时全球AI发生了什么？", every 4 hours.

    Start with `aidigest init DIR`, then `cd DIR && aidigest run --slot 2025-12-07T08`.
    """


@main.command()
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@click.option("--site", "site", default=None, help="Publish into this existing Hugo site.")
@click.option("--force", is_flag=True, help="Overwrite an existing aidigest.toml.")
@click.option("--llm", "llm", type=click.Choice(sorted(PRESETS)), default=None,
              help="Add a ready [[llm.providers]] row for this provider (key by env var name).")
@friendly
def init(directory: str, site: str | None, force: bool, llm: str | None) -> None:
    """Create DIRECTORY with aidigest.toml, the sample posts and a minimal Hugo site."""
    root = Path(directory)
    cfg_file = root / "aidigest.toml"
    if cfg_file.exists() and not force:
        raise AidigestError(f"{cfg_file} already exists; use --force to overwrite it")
    root.mkdir(parents=True, exist_ok=True)
    data = resources.files("aidigest").joinpath("data")
    site_dir = site or "site"
    hugo = find_hugo()
    cfg_file.write_text(config_text(site_dir, llm, hugo), encoding="utf-8")
    sample = root / "sample_posts.jsonl"
    if not sample.exists():
        sample.write_text(
            data.joinpath("sample_posts.jsonl").read_text(encoding="utf-8"), encoding="utf-8"
        )
    site_path = Path(site_dir) if Path(site_dir).is_absolute() else root / site_dir
    if site is None:
        init_site(site_path)
    elif not (site_path / "content").is_dir():
        raise AidigestError(f"--site {site}: no content/ folder there; is it a Hugo site?")
    out.print(f"created {cfg_file} (sample source: {sample.name}; site: {site_path})")
    if hugo is None:
        out.print("no Hugo found, so [publish] build = false: digests are written but no site is "
                  "built; pip install 'aidigest[site]' (or put hugo on PATH) and set it to true")
    if llm and (key := PRESETS[llm].api_key_env):
        out.print(f"LLM provider {llm}: export {key}=... then check it with `aidigest llm test`")
    out.print(f"next: cd {root} && aidigest run --slot 2025-12-07T08")


def _print_source_progress(event: str, report: SourceReport) -> None:
    if event == "start":
        err.print(f"fetching {report.name} ({report.kind}) …")
    elif event == "page":
        err.print(f"  {report.name}: page {report.pages}, {report.new} new, {report.updated} updated")


def _source_table(reports: list[SourceReport]) -> Table:
    table = Table(title="fetch summary")
    for col in ("source", "kind", "ok", "new", "updated", "skipped", "pages", "http", "secs",
                "stale", "error / warnings"):
        table.add_column(col)
    for r in reports:
        table.add_row(
            r.name, r.kind, "yes" if r.ok else "NO", str(r.new), str(r.updated), str(r.skipped),
            str(r.pages), str(r.http_status or ""), f"{r.duration_s:.2f}",
            "STALE" if r.stale else "", clip(r.error or "; ".join(r.notes[:2]), 160),
        )
    return table


@main.command()
@config_option
@click.option("--source", "only", multiple=True, help="Fetch only this source (repeatable).")
@friendly
def fetch(config_path: str | None, only: tuple[str, ...]) -> None:
    """Pull enabled sources into the store; exits non-zero only if all failed."""
    from aidigest.sources.runner import fetch_all

    with opened(config_path) as (cfg, store):
        reports = fetch_all(cfg, store, _print_source_progress, set(only) or None)
    if not reports:
        raise AidigestError("no enabled sources to fetch; add [[sources]] to aidigest.toml")
    out.print(_source_table(reports))
    if all(not r.ok for r in reports):
        sys.exit(1)


@main.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8", errors="replace"))
@config_option
@click.option("--source", default="import", help="Source name recorded on the posts.")
@friendly
def import_(file: Any, config_path: str | None, source: str) -> None:
    """Add posts in the JSONL interchange format to the store ('-' = stdin).

    A bad line (not JSON, a required field missing, a url that is not http(s)) is named and
    skipped; a link that is not http(s) is dropped from its post, with a note.
    """
    good: list[Post] = []
    bad: list[InputError] = []
    dropped: list[str] = []
    for item in read_lines(file, source, getattr(file, "name", "input"), dropped):
        if isinstance(item, InputError):
            bad.append(item)
        else:
            good.append(item)
    with opened(config_path) as (_cfg, store):
        new, updated = store.upsert_posts(good)
    for problem in bad[:20]:
        err.print(f"skipped: {problem}")
    if len(bad) > 20:
        err.print(f"skipped: {len(bad) - 20} more lines (fix the ones above and import again)")
    for note in dropped[:20]:
        err.print(labelled("note:", note))
    out.print(f"imported {len(good)} posts ({new} new, {updated} updated), skipped {len(bad)}")
    if bad and not good:
        sys.exit(1)


@main.command()
@config_option
@click.option("--since", default=None, help="ISO 8601 lower bound (inclusive).")
@click.option("--until", default=None, help="ISO 8601 upper bound (exclusive).")
@friendly
def export(config_path: str | None, since: str | None, until: str | None) -> None:
    """Write stored posts as JSONL on stdout."""
    lo = parse_instant(since, "--since") if since else None
    hi = parse_instant(until, "--until") if until else None
    with opened(config_path) as (_cfg, store):
        count = write_posts(store.iter_posts(lo, hi), sys.stdout)
    err.print(f"exported {count} posts")


@main.command()
@config_option
@click.option("--slot", default=None, help="Slot end, e.g. 2025-12-07T08 (default: latest finished).")
@click.option("--since", default=None, help="ISO 8601 start of a custom window.")
@click.option("--until", default=None, help="ISO 8601 end of a custom window.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of every story.")
@click.option("--aliases", "show_aliases", is_flag=True,
              help="List the name aliases in use (configured and mined from posts) instead.")
@friendly
def stories(
    config_path: str | None, slot: str | None, since: str | None, until: str | None,
    as_json: bool, show_aliases: bool,
) -> None:
    """Ranked candidate stories with member post ids and why."""
    from aidigest.commands import aliases_output, stories_for_window

    if show_aliases:
        with opened(config_path) as (cfg, store):
            aliases_output(cfg, store, as_json)
        return
    with opened(config_path) as (cfg, store):
        found = stories_for_window(cfg, store, _slot(cfg, slot), since, until)
    if as_json:
        click.echo(json.dumps([s.to_json() for s in found], ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(found)} stories")
    for col in ("#", "score", "posts", "authors", "representative", "why"):
        table.add_column(col)
    for n, s in enumerate(found, 1):
        why = (s.filtered and f"FILTERED: {s.filtered}") or "; ".join(s.reasons[:3])
        if s.continues is not None:  # what it repeats or updates, and why they are one event
            why = f"{why} | {s.continues.reason}" if s.filtered else f"{s.continues.reason}; {why}"
        table.add_row(str(n), f"{s.score:.2f}", str(len(s.posts)), ",".join(s.authors[:3]),
                      s.representative.text[:60].replace("\n", " "), why)
    out.print(table)


def _digest_options(func: F) -> F:
    func = click.option("--slot", default=None, help="Slot end, e.g. 2025-12-07T08.")(func)
    func = click.option("--offline", is_flag=True, help="Use the offline writer.")(func)
    func = click.option("--dry-run", is_flag=True, help="Print the digest; publish nothing.")(func)
    func = click.option("--force", is_flag=True, help="Rewrite an already published slot.")(func)
    return config_option(func)


@main.command()
@_digest_options
@friendly
def digest(config_path: str | None, slot: str | None, offline: bool, dry_run: bool,
           force: bool) -> None:
    """Write (and publish) the digest for a slot from posts already in the store."""
    from aidigest.commands import run_command

    run_command(config_path, slot, offline, dry_run, force, fetch=False, command="digest")


@main.command()
@_digest_options
@friendly
def run(config_path: str | None, slot: str | None, offline: bool, dry_run: bool,
        force: bool) -> None:
    """Fetch, then write and publish the digest (default: latest finished slot)."""
    from aidigest.commands import run_command

    run_command(config_path, slot, offline, dry_run, force, fetch=True, command="run")


@main.command()
@click.option("--slot", default=None,
              help="Slot end, e.g. 2025-12-07T08 (default: the open slot); a closed slot must "
                   "not be published yet.")
@click.option("--no-fetch", is_flag=True, help="Use the posts already stored; fetch nothing.")
@config_option
@friendly
def prepare(config_path: str | None, slot: str | None, no_fetch: bool) -> None:
    """Fetch, build the stories and write ahead the items likely to be chosen; never publishes.

    Items are cached under each story's content: at the close an unchanged story costs no
    LLM call, and the digest is the one a cold run makes from the same posts.
    """
    from aidigest.commands import prepare_command

    prepare_command(config_path, slot, fetch=not no_fetch)


@main.command()
@config_option
@click.option("--once", is_flag=True, help="Run the due and missed slots once, then exit.")
@friendly
def schedule(config_path: str | None, once: bool) -> None:
    """Run every slot shortly after it closes; catch up missed slots; one instance only.

    With --once: exit 0 when every slot it ran was published, skipped or empty (or claimed by
    another process), 3 when any was held, 1 when any failed.
    """
    from aidigest.scheduler import schedule as run_schedule

    cfg = load_config(config_path)
    err.print(f"schedule: slots every {cfg.digest.slot_hours}h in {cfg.digest.timezone}, "
              f"published {cfg.schedule.delay_seconds:g} s after each closes (polling every "
              f"{cfg.schedule.poll_minutes:g} min, preparing every "
              f"{cfg.schedule.prepare_minutes:g} min); Ctrl-C or SIGTERM stops")
    ran = run_schedule(cfg, err.print, once=once)
    if once:
        sys.exit(ran.exit_status())


@main.command()
@click.argument("action", type=click.Choice(["list", "status"]), default="list")
@config_option
@friendly
def sources(action: str, config_path: str | None) -> None:
    """Configured sources (list) and their health (status)."""
    from aidigest.commands import sources_table

    with opened(config_path) as (cfg, store):
        out.print(sources_table(cfg, store, action))


@main.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@friendly
def status(config_path: str | None, as_json: bool) -> None:
    """Recent runs, source health, LLM calls/tokens/cost."""
    from aidigest.commands import status_tables
    from aidigest.status import status_data

    with opened(config_path) as (cfg, store):
        data = status_data(cfg, store)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        for table in status_tables(data):
            out.print(table)


@main.command()
@config_option
@click.option("--slot", default=None, help="Slot end, e.g. 2025-12-07T08 (default: the latest run).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@friendly
def report(config_path: str | None, slot: str | None, as_json: bool) -> None:
    """A run's report: sources, items (writer, provider, attempts, fallbacks, tokens), outcome."""
    from aidigest.report_view import report_data, report_tables

    with opened(config_path) as (cfg, store):
        chosen = _slot(cfg, slot)
        data = report_data(store, chosen.key if chosen else None)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for part in report_tables(data):
        out.print(part)


@main.command()
@config_option
@click.option("--host", default=None, help="Address to bind (default: [serve] host, 127.0.0.1); "
              "a non-loopback host needs [serve] password_env.")
@click.option("--port", type=int, default=None,
              help="Port (default: [serve] port, 8400; 0: any free port).")
@friendly
def serve(config_path: str | None, host: str | None, port: int | None) -> None:
    """The editor's desk: review, edit and approve digests in a browser.

    The host, its password and the port are checked first; a refusal is one error line and
    exit status 1, and the address is announced only once the desk can listen there.
    """
    from aidigest.desk.server import serve as run_desk

    cfg = load_config(config_path)
    host, port = host or cfg.serve.host, cfg.serve.port if port is None else port
    run_desk(cfg, host, port, err.print)


@main.command()
@click.argument("action", type=click.Choice(["test"]))
@config_option
@friendly
def llm(action: str, config_path: str | None) -> None:
    """`llm test`: one tiny request to each provider (latency, model, tokens, JSON mode)."""
    from aidigest.writer.probe import check, probe_all, results_table

    results = probe_all(load_config(config_path))
    out.print(results_table(results))
    check(results)


@main.command("mcp")
@config_option
@click.option("--allow-writes", is_flag=True,
              help="Also offer edit_item, regenerate_item, publish and reject "
              "(publish and reject still need confirm: true).")
@friendly
def mcp_command(config_path: str | None, allow_writes: bool) -> None:
    """Serve digests, stories, posts and status to MCP clients over stdio."""
    from aidigest.config import find_config
    from aidigest.mcp.server import serve as serve_mcp

    load_config(config_path)  # a broken config is reported now, not at the first call
    path = find_config(config_path).resolve()
    err.print(f"aidigest mcp: serving {path} over stdio ({'read and write' if allow_writes else 'read-only'}"
              " tools); the MCP client ends it", markup=False)
    serve_mcp(path, allow_writes)


@main.group("store")
@config_option
def store_group(config_path: str | None) -> None:
    """Move the store: `store copy --to URL` copies it into PostgreSQL."""


@store_group.command("copy")
@config_option
@click.option("--to", "to_url", default=None,
              help="The target, a postgresql:// URL (or a SQLite path); prefer --to-env for a "
                   "URL with a password.")
@click.option("--to-env", "to_env", default=None,
              help="Name of the environment variable holding the target URL.")
@friendly
def store_copy(config_path: str | None, to_url: str | None, to_env: str | None) -> None:
    """Copy the configured store into another, table by table, then compare counts and
    checksums (a rerun is harmless; the source is only read)."""
    from aidigest.commands import copy_command

    parent = click.get_current_context().parent
    config_path = config_path or (parent.params.get("config_path") if parent else None)
    copy_command(load_config(config_path), to_url, to_env)


def _register_desk_commands() -> None:
    from aidigest.desk.commands import item_group, publish, reject

    for command in (publish, reject, item_group):
        main.add_command(command)


_register_desk_commands()

if __name__ == "__main__":  # pragma: no cover
    main()

"""Command line: parse arguments, call one library function per command, print.

Exit status: 0 every unit ok; 3 finished with units failed (listed); 2 bad config or
usage; 1 fatal.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from . import __version__
from .config import (
    ActiveDirectorySource,
    ConfigError,
    DnsSource,
    ExchangeExportSource,
    ImapSource,
    LoadedConfig,
    MailFilesSource,
    load,
)
from .report.text import visible
from .scan import FatalScanError, ScanResult, run_scan
from .store import Store, StoreError

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_FAILURES = 0, 1, 2, 3

app = typer.Typer(
    help="Read-only pre-migration inventory and assessment of mail servers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
lab_app = typer.Typer(help="A local lab: Dovecot on loopback, seeded with a test organisation.")
app.add_typer(lab_app, name="lab")

out = Console()
err = Console(stderr=True)

FormatsOpt = Annotated[str, typer.Option("--format", help="Comma-separated: xlsx, html, json.")]


def _formats(value: str) -> list[str]:
    from .report import FORMATS

    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise typer.BadParameter(f"found {value!r}; expected some of {', '.join(FORMATS)}")
    return chosen


def _load(config: Path) -> LoadedConfig:
    """The config, or exit 2 with every problem in it."""
    try:
        return load(config)
    except ConfigError as exc:
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from None


def _fail(code: int, message: str) -> typer.Exit:
    # the message may hold paths and names with brackets (not markup) and long paths
    # (never broken across lines: a user copies them)
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command("check-config")
def check_config(config: Annotated[Path, typer.Argument(help="The YAML config file.")]) -> None:
    """Validate a config without connecting to anything."""
    loaded = _load(config)
    for src in loaded.config.sources:
        if isinstance(src, DnsSource):
            where = ", ".join(src.nameservers or ["the system resolver"])
            domains = src.domains if isinstance(src.domains, str) else ", ".join(src.domains)
            out.print(f"{src.name}: dns {domains} via {where}", highlight=False, markup=False)
            continue
        if isinstance(src, ExchangeExportSource):
            dates = src.dates or f"the culture in {src.files.export_info}"
            what = f"{src.name}: exchange_export {src.path} (dates as {dates})"
            out.print(what, highlight=False, markup=False)
            continue
        if isinstance(src, MailFilesSource):
            what = f"{src.name}: mail_files {src.path}, {len(loaded.accounts[src.name])} mailboxes"
            out.print(what, highlight=False, markup=False)
            continue
        if isinstance(src, ActiveDirectorySource):
            scope, security = f"base {src.base_dn}", str(src.security)
        else:
            scope = f"{len(loaded.accounts[src.name])} mailboxes"
            security = src.security if isinstance(src, ImapSource) else src.url.split(":")[0]
        out.print(
            f"{src.name}: {src.type} {src.host}:{src.effective_port} ({security}), {scope}",
            highlight=False,
            markup=False,
        )
    out.print(f"{config}: OK", highlight=False, markup=False)


@app.command()
def scan(
    config: Annotated[Path, typer.Argument(help="The YAML config file.")],
    resume: Annotated[bool, typer.Option(help="Scan only units not yet ok in the store.")] = False,
    only: Annotated[
        list[str] | None, typer.Option(help="Scan only this source (repeatable).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output directory (default: output_dir).")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="Print only the summary.")] = False,
    no_probe: Annotated[
        bool, typer.Option("--no-probe", help="Skip the throughput probe (no forecast).")
    ] = False,
    formats: FormatsOpt = "xlsx,html,json",
) -> None:
    """Scan the sources of CONFIG into OUT/scan.sqlite, probe their throughput and write
    the reports."""
    chosen = _formats(formats)
    loaded = _load(config)
    target = out_dir or loaded.config.output_dir
    store_path = target / "scan.sqlite"
    if not resume and store_path.exists():
        kept = _set_aside(store_path)
        if not quiet:
            err.print(f"previous store kept as {kept}", highlight=False)
    try:
        store = Store(store_path)
    except (StoreError, OSError, sqlite3.Error) as exc:
        raise _fail(EXIT_FATAL, f"cannot write the store {store_path}: {exc}") from None
    with store:
        try:
            result = run_scan(
                loaded,
                store,
                resume=resume,
                only=only or (),
                show_progress=not quiet,
                interactive=sys.stdin.isatty(),
                console=err,
                probe=not no_probe,
            )
        except FatalScanError as exc:
            raise _fail(EXIT_USAGE, str(exc)) from None
        try:
            paths = _render(store, target, chosen, None)
        except Exception as exc:  # whatever broke, the scan is safe in the store: say so
            why = (
                str(exc)
                if isinstance(exc, OSError)
                else f"internal error {exc!r}, please report it"
            )
            raise _fail(
                EXIT_FATAL,
                f"the reports could not be written ({why}); the scan is kept in {store_path}: "
                f"render it again with 'mailsurvey report {store_path} --out DIR'",
            ) from None
    _print_summary(result, store_path, paths)
    raise typer.Exit(EXIT_OK if result.all_ok else EXIT_FAILURES)


def _set_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"scan-{stamp}.sqlite")
    path.rename(kept)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(kept.with_name(kept.name + suffix))
    return kept


def _render(store: Store, target: Path, formats: list[str], language: str | None) -> list[Path]:
    from .report import render

    inventory = store.inventory()
    lang = language or (inventory.info.language if inventory.info else "en")
    return render(inventory, target, formats, lang)


def _print_summary(result: ScanResult, store_path: Path, paths: list[Path]) -> None:
    c = result.counts
    for kind in ("account", "folder", "probe"):
        total = sum(v for k, v in c.items() if k.startswith(kind + ":"))
        if total:
            ok = c.get(f"{kind}:ok", 0)
            out.print(f"{kind}s: {ok}/{total} ok ({100 * ok / total:.1f} %)", highlight=False)
    for unit in result.failures[:20]:
        # folder names come from the server: a control character (ESC) must not reach
        # the terminal as one
        key = visible(unit.key.replace("\x00", " / "))
        out.print(
            f"  {unit.status.value} {unit.kind.value} {key}: {unit.reason.value}: "
            f"{visible(unit.message)}",
            highlight=False,
            markup=False,
        )
    if len(result.failures) > 20:
        out.print(f"  ... and {len(result.failures) - 20} more (see the report's Errors)")
    out.print(f"store: {store_path}", highlight=False)
    for path in paths:
        out.print(f"report: {path}", highlight=False)


@app.command()
def probe(
    config: Annotated[Path, typer.Argument(help="The YAML config file.")],
    only: Annotated[
        list[str] | None, typer.Option(help="Probe only this source (repeatable).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output directory (default: output_dir).")
    ] = None,
    formats: FormatsOpt = "xlsx,html,json",
) -> None:
    """Measure the throughput of the IMAP and Exchange (EWS) sources already scanned into
    OUT/scan.sqlite (a sample of messages downloaded read-only at growing concurrency),
    then write the reports with the new forecast."""
    from .assess.throughput import fit
    from .model import ProbeSample
    from .scan import run_probe

    chosen = _formats(formats)
    loaded = _load(config)
    target = out_dir or loaded.config.output_dir
    try:
        store = Store.open_existing(target / "scan.sqlite")
    except StoreError as exc:
        raise _fail(EXIT_USAGE, f"{exc}; run 'mailsurvey scan' first") from None
    with store:
        try:
            units = run_probe(loaded, store, only=only or (), interactive=sys.stdin.isatty())
        except FatalScanError as exc:
            raise _fail(EXIT_USAGE, str(exc)) from None
        samples = store.records(ProbeSample)
        paths = _render(store, target, chosen, None)
    for unit in units:
        model = fit([s for s in samples if s.source == unit.source])
        line = f"{unit.source}: probe {unit.status.value}"
        if unit.message:
            line += f" ({unit.reason.value}: {visible(unit.message)})"
        out.print(line, highlight=False, markup=False)
        if model is None:
            continue
        out.print(f"  round trip {model.rtt_s * 1000:.1f} ms", highlight=False)
        if model.backoffs:
            waits = f"{len(model.backoffs)} back-offs, up to {max(model.backoffs):g} s"
            out.print(f"  throttled: the server asked for {waits}", highlight=False)
        for lv in model.levels:
            out.print(
                f"  {lv.concurrency:>3} connections: {lv.messages_per_s:8.1f} messages/s "
                f"{lv.bytes_per_s / 1e6:8.2f} MB/s; per message {lv.per_message_s * 1000:.2f} ms, "
                f"login {lv.login_s * 1000:.0f} ms ({lv.samples} fetches)",
                highlight=False,
            )
    for path in paths:
        out.print(f"report: {path}", highlight=False)
    failed = any(u.status.value in ("failed", "partial") for u in units)
    raise typer.Exit(EXIT_FAILURES if failed else EXIT_OK)


@app.command()
def report(
    store: Annotated[Path, typer.Argument(help="A scan.sqlite written by 'mailsurvey scan'.")],
    formats: FormatsOpt = "xlsx,html,json",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output directory (default: beside the store).")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="en, nl or pl (default: the scan's language).")
    ] = None,
) -> None:
    """Render the reports again from a stored scan, without scanning."""
    chosen = _formats(formats)
    if language is not None and language not in ("en", "nl", "pl"):
        raise typer.BadParameter(
            f"found {language!r}; expected en, nl or pl", param_hint="--language"
        )
    try:
        with Store.open_existing(store) as s:
            paths = _render(s, out_dir or store.parent, chosen, language)
    except StoreError as exc:
        raise _fail(EXIT_USAGE, str(exc)) from None
    for path in paths:
        out.print(f"report: {path}", highlight=False)


@app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(help="The older scan.sqlite (or the source's scan).")],
    new: Annotated[Path, typer.Argument(help="The newer scan.sqlite (or the target's scan).")],
    mode: Annotated[
        str | None,
        typer.Option(
            help="growth (two scans of the same source) or migration (source against target); "
            "default: growth when both scans read the same sources (names and hosts)."
        ),
    ] = None,
    map_csv: Annotated[
        Path | None,
        typer.Option("--map", help="CSV of renamed mailboxes, old,new a line (migration)."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output directory (default: beside NEW).")
    ] = None,
    formats: FormatsOpt = "xlsx,html,json",
    language: Annotated[
        str | None, typer.Option(help="en, nl or pl (default: the new scan's language).")
    ] = None,
) -> None:
    """Compare two scans: growth per mailbox between two scans of one source, or per folder
    the messages and bytes that did not arrive between a source scan and a scan of the
    target after the migration. Exit 3 when messages did not arrive."""
    from .diff import DiffError, Mode, State
    from .report.diff_out import diff_scans

    chosen = _formats(formats)
    if mode is not None and mode not in ("growth", "migration"):
        raise typer.BadParameter(
            f"found {mode!r}; expected growth or migration", param_hint="--mode"
        )
    if language is not None and language not in ("en", "nl", "pl"):
        raise typer.BadParameter(
            f"found {language!r}; expected en, nl or pl", param_hint="--language"
        )
    try:
        outcome = diff_scans(
            old,
            new,
            mode=Mode(mode) if mode else None,
            mapping=map_csv,
            out_dir=out_dir,
            formats=chosen,
            language=language,
        )
    except DiffError as exc:
        raise _fail(EXIT_USAGE, str(exc)) from None
    d = outcome.diff
    how = "given" if not d.chosen else ("same sources" if d.same_sources else "different sources")
    out.print(f"mode: {d.mode.value} ({how})", highlight=False)
    if d.growth is not None:
        g = d.growth
        out.print(
            f"mailboxes compared: {g.count(State.COMPARED)}; "
            f"change: {_known(g.change.messages)} messages, {_known(g.change.bytes)} bytes",
            highlight=False,
        )
    if d.migration is not None:
        m = d.migration
        out.print(
            f"did not arrive: {_known(m.missing.messages)} messages, "
            f"{_known(m.missing.bytes)} bytes"
            + ("" if m.missing_complete else " (at least: some folders are not comparable)"),
            highlight=False,
        )
    for path in outcome.paths:
        out.print(f"report: {path}", highlight=False)
    raise typer.Exit(EXIT_FAILURES if d.missing_found else EXIT_OK)


def _known(value: int | None) -> str:
    return "unknown" if value is None else str(value)


LabDir = Annotated[Path | None, typer.Option("--dir", help="Lab directory.")]


def _lab_dir(value: Path | None) -> Path:
    from .lab import default_lab_dir

    return value or default_lab_dir()


@lab_app.command("up")
def lab_up(lab_dir: LabDir = None) -> None:
    """Start the lab's Dovecot, its seeded Samba AD DC, its Exchange (EWS) server and its
    DNS server (Knot) on loopback (installs them when root; the DC needs root)."""
    from .demo import start_directory, start_dns, start_exchange
    from .lab import LabError, up

    where = _lab_dir(lab_dir)
    try:
        info = up(where)
    except LabError as exc:
        raise _fail(EXIT_FATAL, str(exc)) from None
    out.print(
        f"Dovecot on {info.host}: IMAPS {info.imaps_port}, STARTTLS {info.imap_port}; "
        f"CA {info.ca_file}",
        highlight=False,
    )
    ad = start_directory(where, err)
    if ad is not None:
        out.print(
            f"Samba AD DC on {ad.host}: LDAPS {ad.ldaps_port}, base {ad.base_dn}", highlight=False
        )
    ews = start_exchange(where, err)
    if ews is not None:
        out.print(f"Exchange (EWS) at {ews.url}, service account {ews.service_user}",
                  highlight=False, markup=False)  # fmt: skip
    dns = start_dns(where, err)
    if dns is not None:
        out.print(f"DNS (Knot) on {dns.host}:{dns.port}: {', '.join(dns.domains)}",
                  highlight=False, markup=False)  # fmt: skip


@lab_app.command("down")
def lab_down(lab_dir: LabDir = None) -> None:
    """Stop the Dovecot, the DC, the EWS and the DNS server this lab started (by their pid
    files); data stays."""
    from .lab import ad_down, dns_down, down, ews_down

    down(_lab_dir(lab_dir))
    ad_down(_lab_dir(lab_dir))
    ews_down(_lab_dir(lab_dir))
    dns_down(_lab_dir(lab_dir))
    out.print("lab stopped")


@lab_app.command("seed")
def lab_seed(
    lab_dir: LabDir = None,
    profile: Annotated[str, typer.Option(help="standard | large | huge_folder")] = "standard",
) -> None:
    """Fill the lab with a deterministic organisation (mail store, and the directory when
    its DC runs) and write the ground truth."""
    from .lab import LabError, ad_seed, ad_status, ews_status, ews_up, seed

    where = _lab_dir(lab_dir)
    try:
        truth = seed(where, profile=profile)
        out.print(f"mail store seeded; ground truth: {truth}", highlight=False)
        if ad_status(where).get("running") and profile == "standard":
            out.print(f"directory seeded; ground truth: {ad_seed(where)}", highlight=False)
        ews = ews_status(where)
        if ews.get("running") and profile in ("standard", "large"):
            info = ews_up(where, int(ews["port"]), profile=profile)
            out.print(f"Exchange serves it; ground truth: {info.ground_truth}", highlight=False)
    except LabError as exc:
        raise _fail(EXIT_FATAL, str(exc)) from None


@lab_app.command("status")
def lab_status(lab_dir: LabDir = None) -> None:
    """Say whether the lab's servers run, and where."""
    from .lab import ad_status, dns_status, ews_status, status

    for name, facts in (
        ("dovecot", status(_lab_dir(lab_dir))),
        ("samba", ad_status(_lab_dir(lab_dir))),
        ("exchange", ews_status(_lab_dir(lab_dir))),
        ("dns", dns_status(_lab_dir(lab_dir))),
    ):
        for key, value in facts.items():
            out.print(f"{name} {key}: {value}", highlight=False, markup=False)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where the reports go.")] = Path(
        "reports/demo"
    ),
) -> None:
    """Start the lab, seed it, scan it with sample_configs/lab.yaml and write the reports."""
    from .demo import run_demo

    code = run_demo(out_dir, out, err)
    raise typer.Exit(code)


@app.command()
def version() -> None:
    """Print the mailsurvey version."""
    out.print(__version__)

"""``portal serve`` (the web app with dashboards) and ``portal worker [--beat]`` (a Celery worker)."""

from __future__ import annotations

import contextlib

import click

from portal import create_app

COMMANDS: list[click.Command] = []


@click.command("serve")
@click.option("--host", default=None, help="address to bind (default from PORTAL_HOST, 127.0.0.1)")
@click.option("--port", default=None, type=int, help="port (default from PORTAL_PORT, 8000)")
@click.option("--threads/--no-threads", default=True)
def serve(host: str | None, port: int | None, threads: bool) -> None:
    """Serve the portal (Flask + GraphQL + Dash). For production use gunicorn 'wsgi:app'."""
    from werkzeug.serving import run_simple

    app = create_app()
    cfg = app.config["SETTINGS"]
    host = host or cfg.host
    port = port or cfg.port
    click.echo(f"portal serving on http://{host}:{port}/")
    run_simple(host, port, app, threaded=threads, use_reloader=False)


@click.command("worker")
@click.option("--beat", is_flag=True, help="also run the periodic schedule (development; production runs beat alone)")
@click.option("--concurrency", "-c", default=None, type=int)
@click.option("--pool", default=None, help="prefork (default), solo, threads")
@click.option("--loglevel", default="INFO")
def worker(beat: bool, concurrency: int | None, pool: str | None, loglevel: str) -> None:
    """Run a Celery worker on the configured broker."""
    app = create_app(mount_extensions=False)
    celery = app.extensions["celery"]
    argv = ["worker", f"--loglevel={loglevel}"]
    if beat:
        argv += ["--beat", f"--schedule={app.config['SETTINGS'].var_dir}/celerybeat-schedule"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    if pool:
        argv.append(f"--pool={pool}")
    celery.worker_main(argv)


COMMANDS.extend([serve, worker])


@click.command("up")
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
@click.option("--size", default="small", help="demo size when the database is empty")
def up(host: str | None, port: int | None, size: str) -> None:
    """Everything for a pilot on one machine: migrate, seed the demo when empty, a worker with beat, the web app.

    Ctrl-C stops the web server and the worker process group it started.
    """
    import os
    import signal
    import subprocess
    import sys

    from sqlalchemy import func, select

    from portal.cli.context import runtime
    from portal.core.migrate import upgrade
    from portal.tenancy.models import Institution

    with runtime() as rt:
        upgrade(rt.db.url)
        with rt.db.unit_of_work() as session:
            empty = not session.scalar(select(func.count()).select_from(Institution))
    if empty:
        subprocess.run([sys.executable, "-m", "portal", "demo", "--size", size], check=True)  # noqa: S603
    _stop_on_signals(signal)
    worker_proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "portal", "worker", "--beat", "--concurrency", "2", "--loglevel", "WARNING"],
        start_new_session=True,
    )
    try:
        click.echo("Celery worker (with beat) started on the embedded broker; Ctrl-C stops everything.")
        ctx = click.get_current_context()
        ctx.invoke(serve, host=host, port=port, threads=True)
    finally:
        # SIGTERM to the worker's main process is Celery's warm shutdown: it stops its own pool children.
        worker_proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker_proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):  # anything of its group still alive is killed
            os.killpg(worker_proc.pid, signal.SIGKILL)


def _stop_on_signals(signal) -> None:  # noqa: ANN001 - the signal module, imported lazily by the caller
    """Turn SIGTERM and SIGHUP (a service manager, a closed terminal) into the KeyboardInterrupt of Ctrl-C, so the
    ``finally`` that stops the worker always runs; and restore Ctrl-C where a shell started us with it ignored."""

    def interrupt(signum, _frame):  # noqa: ANN001
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


COMMANDS.append(up)

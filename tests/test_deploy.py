"""The deployment files in deploy/: the CronJob forbids concurrent pods and reads the store URL
from a Secret; the systemd service runs ``schedule --once`` from its timer."""

from __future__ import annotations

import configparser
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_cronjob_forbids_concurrency_and_takes_the_store_url_from_a_secret() -> None:
    job = yaml.safe_load((DEPLOY / "kubernetes" / "aidigest-cronjob.yaml").read_text(encoding="utf-8"))
    assert job["kind"] == "CronJob" and job["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["AIDIGEST_STORE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "url"
    assert "aidigest schedule --once" in " ".join(container["args"])
    assert "postgresql://" not in " ".join(str(e.get("value", "")) for e in container["env"])


def test_systemd_timer_starts_schedule_once() -> None:
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(DEPLOY / "systemd" / "aidigest-run.service")
    assert service["Service"]["ExecStart"].endswith("aidigest schedule --once")
    assert service["Service"]["Type"] == "oneshot"
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(DEPLOY / "systemd" / "aidigest-run.timer")
    assert timer["Timer"]["OnCalendar"].startswith("*-*-* 00/4:05:00")

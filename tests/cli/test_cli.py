"""The `portal` command: the documented sub-commands, one clear line and exit 2 for user errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import PASSWORD


def portal(args: list[str], env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "portal", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def env(database_url, tmp_path):
    e = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PORTAL_BROKER_URL": "memory://",
        "PORTAL_RESULT_BACKEND": "cache+memory://",
    }
    e.pop("DATABASE_URL", None)
    e.pop("CELERY_BROKER_URL", None)
    assert portal(["db", "upgrade"], e).returncode == 0
    return e


def test_bootstrap_a_tenant(env):
    out = portal(
        [
            "institution",
            "add",
            "--kind",
            "bank",
            "--name",
            "某银行",
            "--code",
            "bank-x",
            "--uscc",
            "91350100M000100Y43",
            "--district",
            "越城区",
        ],
        env,
    )
    assert out.returncode == 0 and out.stdout.strip().isdigit()
    out = portal(
        ["user", "add", "--institution", "bank-x", "--email", "a@x.cn", "--role", "admin"], env, PASSWORD + "\n"
    )
    assert out.returncode == 0, out.stderr
    out = portal(["token", "issue", "--user", "a@x.cn", "--ttl-days", "7"], env)
    assert out.returncode == 0 and out.stdout.startswith("ptk_")


@pytest.mark.parametrize(
    "args, stdin, named",
    [
        (
            ["institution", "add", "--kind", "bank", "--name", "n", "--code", "b-1", "--uscc", "91350100M000100Y44"],
            "",
            "91350100M000100Y44",
        ),
        (["institution", "add", "--kind", "casino", "--name", "n", "--code", "c-1"], "", "casino"),
        (["user", "add", "--institution", "nope", "--email", "a@b.cn", "--role", "admin"], PASSWORD + "\n", "nope"),
        (["token", "issue", "--user", "ghost@x.cn"], "", "ghost@x.cn"),
        (["db", "downgrade", "no-such-rev"], "", "no-such-rev"),
    ],
)
def test_user_errors_exit_2_with_one_line(env, args, stdin, named):
    out = portal(args, env, stdin)
    assert out.returncode == 2, out.stderr
    assert named in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_duplicate_code_exit_2(env):
    args = ["institution", "add", "--kind", "bank", "--name", "n", "--code", "bank-dup"]
    assert portal(args, env).returncode == 0
    out = portal(args, env)
    assert out.returncode == 2 and "bank-dup" in out.stderr


def test_malformed_setting_exit_2(env):
    out = portal(
        ["institution", "add", "--kind", "bank", "--name", "n", "--code", "b-2"], {**env, "PORTAL_PORT": "eighty"}
    )
    assert out.returncode == 2 and "PORTAL_PORT='eighty'" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_demo_is_deterministic_and_refuses_a_full_database(env):
    out = portal(["demo", "--size", "small", "--quiet"], env)
    assert out.returncode == 0, out.stderr
    assert "admin@bank-a.demo / demo-bank-a" in out.stdout
    again = portal(["demo", "--quiet"], env)
    assert again.returncode == 2 and "empty database" in again.stderr

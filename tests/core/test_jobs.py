"""Every job of every domain is known to the worker, under an explicit `<domain>.<action>` name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from procrastinate.contrib.django import app

import cita

SOURCE = Path(cita.__file__).parent
NAME = re.compile(r"^[a-z]+\.[a-z_]+$")


def declared_jobs() -> dict[str, str]:
    """name → domain of every `@app.task(name=...)` in `cita/<domain>/tasks.py`, read from the source."""
    jobs: dict[str, str] = {}
    for tasks in sorted(SOURCE.glob("*/tasks.py")):
        for node in ast.walk(ast.parse(tasks.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "task":
                names = [
                    k.value for k in node.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)
                ]
                assert names, f"{tasks}: a job without an explicit name"
                jobs[str(names[0].value)] = tasks.parent.name
    return jobs


def test_every_job_has_an_explicit_domain_name():
    jobs = declared_jobs()
    assert jobs, "no jobs found: the scan is broken"
    for name, domain in jobs.items():
        assert NAME.match(name), name
        assert name.split(".")[0] == domain, f"{name} is declared in cita/{domain}/tasks.py"


def test_every_job_is_registered_with_the_worker():
    missing = sorted(set(declared_jobs()) - set(app.tasks))
    assert not missing, f"jobs the worker does not know: {missing}"


def test_every_periodic_job_is_a_registered_job():
    periodic = {p.task.name for p in app.periodic_registry.periodic_tasks.values()}
    assert periodic, "no periodic jobs registered"
    assert periodic <= set(app.tasks)

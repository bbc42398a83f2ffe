"""Files of a run: daily metrics (CSV), summary (text, JSON), charts (SVG, PNG, CSV), draw bundles."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import astuple, replace
from pathlib import Path
from typing import Any

from cita.lottery import ENTRIES_FILE, MANIFEST_FILE, RESULTS_FILE, manifest_to_bytes, results_to_bytes
from cita.sim.engine import METRIC_FIELDS, DrawRecord, Observer, Outcome
from cita.sim.errors import SimError
from cita.sim.report import Summary, comparison_json, comparison_text, summary_text

DAYS_FILE = "days.csv"
PORTS_FILE = "ports.csv"
SHELTERS_FILE = "shelters.csv"
SUMMARY_TEXT = "summary.txt"
SUMMARY_JSON = "summary.json"
SCENARIO_FILE = "scenario.json"
BUNDLES = "bundles"


def outcome_write(outcome: Outcome, summary: Summary, directory: Path, *, plots: bool = True) -> list[Path]:
    """Write a run's files into `directory` (made if missing); returns the files written."""
    _directory_make(directory)
    written = [
        _write_days(outcome, directory / DAYS_FILE),
        _write_rows(
            directory / PORTS_FILE,
            ("day", "date", "port", "officers", "seats", "closed", "booked", "used"),
            [
                (
                    row.day,
                    outcome.scenario.date_of(row.day).isoformat(),
                    row.port,
                    "" if row.officers is None else row.officers,
                    row.seats,
                    int(row.closed),
                    row.booked,
                    row.attended,
                )
                for row in outcome.port_days
            ],
        ),
        _write_text(directory / SUMMARY_TEXT, summary_text(summary)),
        _write_json(directory / SUMMARY_JSON, summary.to_json()),
        _write_json(directory / SCENARIO_FILE, outcome.scenario.to_mapping()),
    ]
    if outcome.cities:
        written.append(
            _write_rows(
                directory / SHELTERS_FILE,
                ("day", "date", "city", "places", "waiting", "sheltered", "outside"),
                [
                    (day.day, day.date, city, places, persons, min(persons, places), max(0, persons - places))
                    for day, row in zip(outcome.days, outcome.city_persons, strict=True)
                    for city, places, persons in zip(outcome.cities, outcome.city_capacity, row, strict=True)
                ],
            )
        )
    if plots:
        from cita.sim.charts import charts_make  # matplotlib only when charts are wanted

        for chart in charts_make(outcome):
            written.append(_write_text(directory / f"{chart.name}.svg", _svg_file(chart.svg)))
            written.append(_write_bytes(directory / f"{chart.name}.png", chart.png()))
            written.append(_write_text(directory / f"{chart.name}.csv", chart.table.csv()))
    return written


def comparison_write(
    a: Outcome, b: Outcome, summary_a: Summary, summary_b: Summary, directory: Path, *, plots: bool = True
) -> list[Path]:
    """Write both runs (in `a/` and `b/`) and their comparison into `directory`."""
    written = outcome_write(a, summary_a, directory / "a", plots=plots)
    written += outcome_write(b, summary_b, directory / "b", plots=plots)
    written.append(_write_text(directory / "comparison.txt", comparison_text(summary_a, summary_b)))
    written.append(_write_json(directory / "comparison.json", comparison_json(summary_a, summary_b)))
    if plots:
        from cita.sim.charts import backlog_comparison_chart

        chart = backlog_comparison_chart(a, b)
        written.append(_write_text(directory / f"{chart.name}.svg", _svg_file(chart.svg)))
        written.append(_write_bytes(directory / f"{chart.name}.png", chart.png()))
        written.append(_write_text(directory / f"{chart.name}.csv", chart.table.csv()))
    return written


def bundle_writer(directory: Path) -> Observer:
    """An observer that writes each round as a draw-v1 bundle, `directory/<draw id>/`, which
    `cita draw verify` checks like any published draw."""
    _directory_make(directory)

    def write(record: DrawRecord) -> None:
        results = results_to_bytes(record.allocation.results)
        manifest = replace(record.manifest, results_sha256=hashlib.sha256(results).hexdigest())
        bundle = directory / record.manifest.draw_id
        _directory_make(bundle)
        _write_bytes(bundle / MANIFEST_FILE, manifest_to_bytes(manifest))
        _write_bytes(bundle / ENTRIES_FILE, record.entries)
        _write_bytes(bundle / RESULTS_FILE, results)

    return write


def _directory_make(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SimError(f"{directory}: cannot make the directory: {exc.strerror}") from None


def _write_days(outcome: Outcome, path: Path) -> Path:
    try:
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(METRIC_FIELDS)
            writer.writerows(astuple(day) for day in outcome.days)
    except OSError as exc:
        raise SimError(f"{path}: cannot be written: {exc.strerror}") from None
    return path


def _write_rows(path: Path, headers: tuple[str, ...], rows: list[tuple[object, ...]]) -> Path:
    try:
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(headers)
            writer.writerows(rows)
    except OSError as exc:
        raise SimError(f"{path}: cannot be written: {exc.strerror}") from None
    return path


def _write_text(path: Path, text: str) -> Path:
    return _write_bytes(path, text.encode("utf-8"))


def _write_json(path: Path, value: Any) -> Path:
    return _write_text(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _write_bytes(path: Path, data: bytes) -> Path:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise SimError(f"{path}: cannot be written: {exc.strerror}") from None
    return path


def _svg_file(svg: str) -> str:
    """An inline SVG as a file of its own."""
    return '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + svg

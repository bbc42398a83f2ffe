"""cita.lottery: the daily draw, exactly as specs/draw-v1.md defines it, in pure Python.

It imports nothing but the standard library (no Django, no other cita package), so that anyone can run
and read it, and so that the web application and the simulator share one implementation.

Reading and writing bundles: `bundle_read`, `manifest_from_bytes`, `entries_from_bytes`, and the canonical
writers `manifest_to_bytes`, `entries_to_bytes`, `results_to_bytes`. Computing: `draw_compute`
(in memory), `bundle_compute` (a directory). Checking a published draw: `bundle_verify`; the entries it
passed over for their group's size: `passed_over`. Seeds: `seed_new`, `commitment_compute`.
Every refusal is a `LotteryError`.
"""

from cita.lottery.allocate import Allocation, draw_allocate, draw_compute
from cita.lottery.bundle import Bundle, DrawReport, bundle_compute, bundle_read
from cita.lottery.entries import entries_from_bytes, entries_to_bytes
from cita.lottery.errors import BundleError, LotteryError, VerifyError
from cita.lottery.keys import commitment_compute, draw_keys_compute, key_derive, seed_new
from cita.lottery.manifest import manifest_check, manifest_from_bytes, manifest_to_bytes
from cita.lottery.model import (
    ENTRIES_FILE,
    FORMAT,
    MANIFEST_FILE,
    RESULTS_FILE,
    Beacon,
    Capacity,
    Entries,
    Entry,
    Manifest,
    Phase,
    Result,
)
from cita.lottery.priority import passed_over
from cita.lottery.results import results_from_bytes, results_to_bytes
from cita.lottery.verify import bundle_verify, results_compare

__all__ = [
    "ENTRIES_FILE",
    "FORMAT",
    "MANIFEST_FILE",
    "RESULTS_FILE",
    "Allocation",
    "Beacon",
    "Bundle",
    "BundleError",
    "Capacity",
    "DrawReport",
    "Entries",
    "Entry",
    "LotteryError",
    "Manifest",
    "Phase",
    "Result",
    "VerifyError",
    "bundle_compute",
    "bundle_read",
    "bundle_verify",
    "commitment_compute",
    "draw_allocate",
    "draw_compute",
    "draw_keys_compute",
    "entries_from_bytes",
    "entries_to_bytes",
    "key_derive",
    "manifest_check",
    "manifest_from_bytes",
    "manifest_to_bytes",
    "passed_over",
    "results_compare",
    "results_from_bytes",
    "results_to_bytes",
    "seed_new",
]

"""The randomness beacon, against a real local HTTP server (http.server in a thread), no mocks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import urllib.request

import pytest

from cita.appointments.services.run import cycle_run_due
from cita.audit.models import AuditEvent
from cita.draws.beacon import ChainInfo, DrandBeacon
from cita.draws.errors import BeaconUnavailable
from cita.draws.models import Draw, DrawStatus, Offer
from cita.lottery import bundle_verify
from tests.draws.conftest import GENESIS, PERIOD, chain_url
from tests.factories.draws import JOB, WINDOW_CLOSES, WINDOW_OPENS, port_with_slots, submitted


def test_the_round_is_the_first_published_at_or_after_the_freeze():
    info = ChainInfo(genesis_time=GENESIS, period=PERIOD)
    at = dt.datetime.fromtimestamp(GENESIS + 10 * PERIOD, dt.UTC)
    assert info.round_at(at) == 11
    assert info.round_at(at + dt.timedelta(seconds=1)) == 12
    assert info.time_of(12) >= at + dt.timedelta(seconds=1)
    assert info.round_at(dt.datetime.fromtimestamp(GENESIS - 100, dt.UTC)) == 1


def test_a_value_for_another_round_or_not_hex_is_refused(chain):
    beacon = DrandBeacon(f"{chain_url(chain)}", attempts=1, backoff=0)
    chain.publish(5)
    assert beacon.value(5) == chain.published[5]
    with pytest.raises(BeaconUnavailable, match="HTTP 404"):
        beacon.value(6)


@pytest.mark.django_db
def test_the_draw_waits_for_the_beacon_raises_an_alert_and_then_publishes_with_it(
    frozen_clock, chain, caplog
):
    port_with_slots("SYS", slots=[("08:00", 3)])
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    draw = Draw.objects.get(draw_id="2026-12-01")
    expected_round = ChainInfo(genesis_time=GENESIS, period=PERIOD).round_at(WINDOW_CLOSES)
    assert (draw.beacon_source, draw.beacon_round) == (chain_url(chain), expected_round)
    opened = AuditEvent.objects.get(action="draw.opened")
    assert opened.data["beacon_round"] == expected_round
    for _ in range(6):
        submitted(ports=["SYS"])

    # At the close the round is not out yet: entries freeze, nothing is drawn, no alert yet (grace).
    frozen_clock.set(WINDOW_CLOSES)
    cycle_run_due(actor=JOB)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.FROZEN
    assert draw.server_seed is None
    assert not Offer.objects.exists()

    # Well past the round's time and still nothing: the draw waits, visibly, and alerts.
    frozen_clock.advance(minutes=10)
    with caplog.at_level(logging.ERROR, logger="cita.draws.services.cycle"):
        cycle_run_due(actor=JOB)
        cycle_run_due(actor=JOB)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.BEACON_WAIT
    assert draw.server_seed is None
    assert "HTTP 404" in draw.beacon_error
    assert draw.beacon_attempts == 3
    assert AuditEvent.objects.filter(action="draw.beacon_unavailable").count() == 1
    assert any("waits for the beacon" in record.message for record in caplog.records)
    assert not Offer.objects.exists()

    # The round appears: the next run reveals, computes with the beacon and publishes.
    value = chain.publish(expected_round)
    cycle_run_due(actor=JOB)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.PUBLISHED
    assert draw.beacon_value == value
    manifest = json.loads(bytes(draw.files.get(name="manifest.json").content))
    assert manifest["beacon"] == {"source": chain_url(chain), "round": expected_round, "value": value}
    assert draw.selected_count is not None
    assert Offer.objects.filter(draw=draw).count() == draw.selected_count > 0


@pytest.mark.django_db
def test_with_the_beacon_out_on_time_the_draw_publishes_at_the_close(frozen_clock, chain, tmp_path):
    port_with_slots("SYS", slots=[("08:00", 3)])
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    draw = Draw.objects.get(draw_id="2026-12-01")
    chain.publish(int(draw.beacon_round or 0))
    for _ in range(4):
        submitted(ports=["SYS"])
    frozen_clock.set(WINDOW_CLOSES)
    cycle_run_due(actor=JOB)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.PUBLISHED
    for row in draw.files.all():
        (tmp_path / row.name).write_bytes(bytes(row.content))
    assert bundle_verify(tmp_path).selected == draw.selected_count


@pytest.mark.django_db
def test_a_window_opens_with_the_chain_facts_of_an_earlier_draw_when_the_beacon_is_down(frozen_clock, chain):
    port_with_slots("SYS", slots=[("08:00", 3)])
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    chain.info_up = False
    frozen_clock.set(WINDOW_OPENS + dt.timedelta(days=1))
    cycle_run_due(actor=JOB)
    second_day = Draw.objects.get(draw_id="2026-12-02")
    assert second_day.beacon_round == ChainInfo(genesis_time=GENESIS, period=PERIOD).round_at(
        second_day.closes_at
    )


@pytest.mark.django_db
def test_without_any_known_chain_facts_the_window_does_not_open_and_says_why(frozen_clock, chain, caplog):
    chain.info_up = False
    frozen_clock.set(WINDOW_OPENS)
    with caplog.at_level(logging.ERROR, logger="cita.draws.services.cycle"):
        assert cycle_run_due(actor=JOB) == []
    assert not Draw.objects.exists()
    assert any("beacon unreachable" in record.message for record in caplog.records)


def test_the_demo_beacon_stand_in_signs_its_rounds_as_quicknet_does_and_hides_future_rounds(tmp_path):
    """Issue 14, item 7: the demo's stand-in signs each round with a BLS key of its own, and the demo's
    client verifies it against the public key written to the demo's secrets, as production does."""
    import threading

    from cita.core.beacon_signature import QUICKNET
    from cita.demo import beacon as standin

    key = standin.key_load(tmp_path / "beacon.key")
    assert standin.key_load(tmp_path / "beacon.key") == key  # made once, then kept
    public_key = standin.public_key(key)
    httpd = standin.server("127.0.0.1", 0, key)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        client = DrandBeacon(url, attempts=1, public_key=public_key, scheme=QUICKNET)
        info = client.info()
        assert (info.genesis_time, info.period) == (standin.GENESIS, standin.PERIOD)
        with urllib.request.urlopen(f"{url}/info") as answer:  # noqa: S310 - the local stand-in
            published = json.loads(answer.read())
        assert (published["public_key"], published["schemeID"]) == (public_key, QUICKNET)
        past = info.round_at(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        assert client.value(past) == standin.randomness(key, past)
        # Another key's public key does not verify the stand-in's rounds.
        other = standin.public_key(standin.key_load(tmp_path / "other.key"))
        stranger = DrandBeacon(url, attempts=1, public_key=other, scheme=QUICKNET)
        with pytest.raises(BeaconUnavailable, match="signature"):
            stranger.value(past)
        future = info.round_at(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        with pytest.raises(BeaconUnavailable):
            client.value(future)
    finally:
        httpd.shutdown()
        httpd.server_close()


# A real round of drand's League of Entropy mainnet (pedersen-bls-chained), as published.
MAINNET_KEY = (
    "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31"
)
ROUND_72785 = {
    "round": 72785,
    "signature": (
        "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b77d18f02a54fe047b8"
        "0f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e95526d5a5d82aaa84fa6f181e42"
    ),
    "previous_signature": (
        "a609e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8a609685d9917efbfb0c37f058c2de88f"
        "13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7111f71a0ff63d9571704905d3ca6df0b031747"
    ),
}


def test_with_the_chains_public_key_a_round_is_taken_only_with_a_valid_bls_signature(chain, settings):
    """Issue 14, item 7: whoever can change the beacon's answer (a proxy, a look-alike server) could
    choose the draw's randomness; with CITA_BEACON_PUBLIC_KEY the round's BLS signature is verified."""
    import hashlib

    from cita.draws.beacon import beacon_from_settings

    randomness = hashlib.sha256(bytes.fromhex(str(ROUND_72785["signature"]))).hexdigest()
    chain.answers[72785] = {**ROUND_72785, "randomness": randomness}
    settings.CITA_BEACON_PUBLIC_KEY = MAINNET_KEY
    settings.CITA_BEACON_SCHEME = "pedersen-bls-chained"
    beacon = beacon_from_settings()
    assert beacon is not None
    assert beacon.value(72785) == randomness
    # A chosen randomness beside the real signature, or the real signature for another round: refused.
    chain.answers[72785] = {**ROUND_72785, "randomness": "ab" * 32}
    with pytest.raises(BeaconUnavailable, match="signature"):
        beacon.value(72785)
    chain.answers[72786] = {**ROUND_72785, "round": 72786, "randomness": randomness}
    with pytest.raises(BeaconUnavailable, match="signature"):
        beacon.value(72786)


# A real round of drand's quicknet (League of Entropy mainnet, bls-unchained-g1-rfc9380), as published:
# the chain's /info (https://api.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/info)
# and round 657413 with its randomness, copied from the README of github.com/mcdcam/python-drand-verify
# (a Python binding of noislabs/drand-verify: `verify_quicknet(657413, "b713…d97b")` → "fc18…3587").
QUICKNET_KEY = (
    "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d"
    "1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
)
ROUND_657413 = {
    "round": 657413,
    "randomness": "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587",
    "signature": (
        "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be41076862b98fad56e91a6b85b89cd97b"
    ),
}
# Another real quicknet round's signature (round 5928395, from tLockTest's Test_tlock.cs, which cites
# https://api.drand.sh/52db9ba7…e971/public/5928395): a valid point, signed by the chain, for another round.
SIGNATURE_5928395 = (
    "a5d07c0071b4e386b3ae09206522253c68fefe8490ad59ecc44a7dd0d0745be91da5779e2247a82403fbc0cb9a34cb61"
)


def test_a_real_quicknet_round_is_taken_and_a_changed_or_borrowed_signature_is_refused(chain, settings):
    """Issue 14, item 7: quicknet (signatures on G1, public key on G2, RFC 9380) is verified too."""
    from cita.core.beacon_signature import QUICKNET, round_signature_valid
    from cita.draws.beacon import beacon_from_settings

    chain.answers[657413] = dict(ROUND_657413)
    settings.CITA_BEACON_PUBLIC_KEY = QUICKNET_KEY
    settings.CITA_BEACON_SCHEME = QUICKNET
    beacon = beacon_from_settings()
    assert beacon is not None
    assert beacon.value(657413) == ROUND_657413["randomness"]
    # The other round's signature is the chain's own for its round, and for no other.
    assert round_signature_valid(
        public_key=QUICKNET_KEY, scheme=QUICKNET, round_number=5928395, signature=SIGNATURE_5928395
    )
    borrowed = hashlib.sha256(bytes.fromhex(SIGNATURE_5928395)).hexdigest()
    chain.answers[657413] = {**ROUND_657413, "signature": SIGNATURE_5928395, "randomness": borrowed}
    with pytest.raises(BeaconUnavailable, match="signature"):
        beacon.value(657413)
    # One bit of the signature changed (and the randomness made to match it): refused.
    changed = str(ROUND_657413["signature"])[:-1] + "a"
    chain.answers[657413] = {
        **ROUND_657413,
        "signature": changed,
        "randomness": hashlib.sha256(bytes.fromhex(changed)).hexdigest(),
    }
    with pytest.raises(BeaconUnavailable, match="signature"):
        beacon.value(657413)
    # The real signature with a chosen randomness, or presented as the next round: refused.
    chain.answers[657413] = {**ROUND_657413, "randomness": "ab" * 32}
    with pytest.raises(BeaconUnavailable, match="signature"):
        beacon.value(657413)
    chain.answers[657414] = {**ROUND_657413, "round": 657414}
    with pytest.raises(BeaconUnavailable, match="signature"):
        beacon.value(657414)

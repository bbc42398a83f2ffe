import json
import logging

from cita.core import logging as cita_logging


def test_a_log_record_is_one_json_line_with_the_request_id_and_extra_fields():
    formatter = cita_logging.JsonFormatter()
    token = cita_logging.request_id.set("req-12345678")
    try:
        record = logging.makeLogRecord(
            {"name": "cita.test", "levelname": "INFO", "msg": "hello %s", "args": ("x",)}
        )
        cita_logging.RequestIdFilter().filter(record)
        record.status = 200
        line = formatter.format(record)
    finally:
        cita_logging.request_id.reset(token)
    assert "\n" not in line
    payload = json.loads(line)
    assert payload["message"] == "hello x"
    assert payload["request_id"] == "req-12345678"
    assert payload["status"] == 200
    assert payload["level"] == "info"

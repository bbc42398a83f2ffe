"""Operations of planners and admins (`/api/v1/planner/…`): reading capacity."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Router

from cita.api.auth import PLANNER
from cita.api.schemas import PORT_CODE, CapacityDayOut, problems
from cita.ports.selectors import capacity_port_day, port_get

router = Router(tags=["planner"], auth=PLANNER)


@router.get(
    "/capacity/{port}/{day}",
    response={200: CapacityDayOut, **problems(401, 403, 404, 422)},
    url_name="capacity_day",
)
def capacity_day(
    request: HttpRequest, port: Annotated[str, Path(pattern=PORT_CODE)], day: Annotated[dt.date, Path()]
) -> CapacityDayOut:
    """Seats and seats left per slot of one port on one day."""
    row = port_get(code=port)
    return CapacityDayOut.of(port=row, day=day, rows=capacity_port_day(port=row, day=day))

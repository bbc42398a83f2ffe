from django.contrib import admin

from cita.audit.admin import AuditedAdmin
from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.ports.models import Port, PortClosure, SlotCapacity, WeeklySlot


class WeeklySlotInline(admin.TabularInline):
    """Read-only: the weekly template changes in the capacity console (audited)."""

    model = WeeklySlot
    extra = 0
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Port, site=admin_site)
class PortAdmin(AuditedAdmin):
    """Ports are reference data kept here; every write is audited."""

    list_display = ("code", "name", "city", "time_zone", "active")
    inlines = [WeeklySlotInline]


@admin.register(SlotCapacity, site=admin_site)
class SlotCapacityAdmin(ReadOnlyAdmin):
    list_display = ("port", "day", "slot", "seats", "left")
    list_filter = ("port", "day")
    date_hierarchy = "day"
    # Seats change through the planner's capacity services (audited, never below what is booked).
    readonly_fields = ("port", "day", "slot", "seats", "left")


@admin.register(PortClosure, site=admin_site)
class PortClosureAdmin(ReadOnlyAdmin):
    """Closing and reopening go through the planners' console (audited, rebooking)."""

    list_display = ("port", "start", "end", "reason", "created_at", "rebooked_at", "reopened_at")
    list_filter = ("port",)

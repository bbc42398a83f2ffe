from django.contrib import admin

from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.ports.models import Port, PortClosure, SlotCapacity, WeeklySlot


class WeeklySlotInline(admin.TabularInline):
    model = WeeklySlot
    extra = 0


@admin.register(Port, site=admin_site)
class PortAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city", "time_zone", "active")
    inlines = [WeeklySlotInline]


@admin.register(SlotCapacity, site=admin_site)
class SlotCapacityAdmin(admin.ModelAdmin):
    list_display = ("port", "day", "slot", "seats", "left")
    list_filter = ("port", "day")
    date_hierarchy = "day"
    # Seats change through the planner's capacity services (audited, never below what is booked).
    readonly_fields = ("port", "day", "slot", "seats", "left")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(PortClosure, site=admin_site)
class PortClosureAdmin(ReadOnlyAdmin):
    """Closing and reopening go through the planners' console (audited, rebooking)."""

    list_display = ("port", "start", "end", "reason", "created_at", "rebooked_at", "reopened_at")
    list_filter = ("port",)

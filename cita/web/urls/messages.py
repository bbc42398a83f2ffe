from django.urls import path

from cita.web.views import messages

# The namespace "notifications" is shared with the admins' pages of cita.staff.urls.notifications:
# cita/urls.py includes both lists under it.
urlpatterns = [
    path("messages", messages.inbox, name="inbox"),
    path("messages/channels", messages.preference, name="preference"),
]

from django.urls import path

from cita.web.views import transparency as views

app_name = "transparency"
urlpatterns = [
    path("transparency/", views.home, name="home"),
    path("transparency/audit/", views.audit, name="audit"),
    path("transparency/draws.json", views.draws_json, name="draws_json"),
    path("transparency/draws/<str:draw_id>/", views.draw_page, name="draw"),
    path("transparency/draws/<str:draw_id>/<str:name>", views.draw_file, name="draw_file"),
]

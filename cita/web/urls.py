from django.urls import path

from cita.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("language", views.language_set, name="language"),
]

from django.urls import path

from cita.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    path("signin", views.signin, name="login"),
    path("mfa", views.mfa, name="mfa"),
    path("signout", views.signout, name="logout"),
]

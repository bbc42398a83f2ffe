from django.urls import path

from cita.draws import views

app_name = "draws"
urlpatterns = [
    path("draw/", views.home, name="home"),
    path("draw/withdraw", views.withdraw, name="withdraw"),
    path("draw/offers/<int:offer_id>", views.offer, name="offer"),
]

from django.urls import path

from cita.web.views import draw as views

app_name = "draws"
urlpatterns = [
    path("draw/", views.home, name="home"),
    path("draw/ask", views.ask, name="ask"),
    path("draw/withdraw", views.withdraw, name="withdraw"),
    path("draw/history", views.history, name="history"),
    path("draw/requests/<int:request_id>", views.request_detail, name="request"),
    path("draw/offers/<int:offer_id>", views.offer, name="offer"),
    path("draw/offers/<int:offer_id>/decline", views.offer_decline_page, name="offer_decline"),
    path("draw/offers/<int:offer_id>/wait", views.offer_wait_page, name="offer_wait"),
]

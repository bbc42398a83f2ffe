from django.urls import path

from cita.web.views import check, group, pages, profile, signin

app_name = "web"
urlpatterns = [
    path("", pages.home, name="home"),
    path("language", pages.language_set, name="language"),
    path("help", pages.help_page, name="help"),
    path("privacy", pages.privacy, name="privacy"),
    path("check", check.check, name="check"),
    path("signin", signin.signin, name="signin"),
    path("signin/code", signin.signin_code, name="signin_code"),
    path("signin/resend", signin.signin_resend, name="signin_resend"),
    path("start", signin.start, name="start"),
    path("signout", signin.signout, name="signout"),
    path("signout/everywhere", signin.signout_everywhere, name="signout_everywhere"),
    path("group", group.group, name="group"),
    path("group/register", group.register, name="group_register"),
    path("group/members/new", group.member_new, name="member_new"),
    path("group/members/<int:member_id>", group.member_edit, name="member_edit"),
    path("group/members/<int:member_id>/remove", group.member_delete, name="member_remove"),
    path("profile", profile.profile, name="profile"),
    path("profile/time-zone", profile.time_zone, name="time_zone"),
    path("profile/contact", profile.contact_change, name="contact_change"),
    path("profile/contact/confirm", profile.contact_confirm, name="contact_confirm"),
    path("profile/contact/remove", profile.contact_remove, name="contact_remove"),
]

from django.urls import path

from cita.staff.views import accounts, ngo, shelters, signin, simulator

app_name = "staff"
urlpatterns = [
    path("", signin.home, name="home"),
    path("signin", signin.signin, name="login"),
    path("mfa", signin.mfa, name="mfa"),
    path("mfa/enrol", signin.mfa_enrol, name="mfa_enrol"),
    path("signout", signin.signout, name="logout"),
    path("me", signin.profile, name="profile"),
    path("me/recovery-codes", signin.recovery_codes, name="recovery_codes"),
    path("me/password", signin.password_change, name="password_change"),
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/new", accounts.account_new, name="account_new"),
    path("accounts/<int:user_id>/", accounts.account_detail, name="account"),
    path("accounts/<int:user_id>/role", accounts.account_role, name="account_role"),
    path("accounts/<int:user_id>/deactivate", accounts.account_deactivate, name="account_deactivate"),
    path("accounts/<int:user_id>/activate", accounts.account_activate, name="account_activate"),
    path("accounts/<int:user_id>/mfa-reset", accounts.account_mfa_reset, name="account_mfa_reset"),
    path(
        "accounts/<int:user_id>/password-reset",
        accounts.account_password_reset,
        name="account_password_reset",
    ),
    path("ngo/", ngo.residents, name="ngo_residents"),
    path("ngo/register", ngo.register, name="ngo_register"),
    path("ngo/residents/<int:applicant_id>/", ngo.resident, name="ngo_resident"),
    path("ngo/residents/<int:applicant_id>/members/new", ngo.member_new, name="ngo_member_new"),
    path("ngo/residents/<int:applicant_id>/act", ngo.acting_begin, name="ngo_acting_start"),
    path("ngo/acting/stop", ngo.acting_end, name="ngo_acting_stop"),
    path("ngo/occupancy", ngo.occupancy, name="ngo_occupancy"),
    path("shelters", shelters.shelters, name="shelters"),
    path("simulator", simulator.simulator, name="simulator"),
]

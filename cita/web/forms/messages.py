"""Forms of the notifications domain."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cita.notifications.models import ChannelChoice

CHOICES = [
    (ChannelChoice.ALL.value, _("By SMS and by email (on every contact I gave)")),
    (ChannelChoice.SMS.value, _("By SMS only")),
    (ChannelChoice.EMAIL.value, _("By email only")),
]


class PreferenceForm(forms.Form):
    channels = forms.ChoiceField(
        label=_("How do you want to get our messages?"),
        help_text=_("If you do not have the contact you choose, we use the other one."),
        choices=CHOICES,
        widget=forms.RadioSelect,
    )
    not_selected_by_sms = forms.BooleanField(
        label=_("Also send me an SMS when I am not selected"),
        help_text=_(
            "Most days, most people are not selected. We always tell you in the app, and by email if you "
            "gave one. An SMS costs money, so we send it only if you ask."
        ),
        required=False,
    )

    @staticmethod
    def saved_message() -> str:
        """The confirmation shown after saving."""
        return gettext("Saved. We will send your messages this way.")

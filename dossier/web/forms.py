"""Forms for the pages. They carry fields, CSRF and the one text rule every field obeys; the
services decide everything else about what is valid."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

# WTForms 3.3 added SelectChoice; typeshed's stubs still describe 3.2 and lack it. The pages
# import it from here, so this is the one place that says so.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import EqualTo, InputRequired, Optional, Regexp

from dossier.edge.i18n import gettext
from dossier.models import CorrectionStatus, DraftKind, Permission, Relation
from dossier.services.validation import UNUSABLE_TEXT, usable
from dossier.web.blueprint import KIND_LABELS

RECOVERY_CODE_PATTERN = r"^[A-Za-z2-7\-]{26,40}$"


class Form(FlaskForm):
    """Every page's form. Whatever was sent for a field (text, or an uploaded file's name) must
    obey the text rule, or the field says why, as it would for any other mistake."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            sent = [getattr(raw, "filename", raw) for raw in field.raw_data or ()]
            if any(isinstance(text, str) and not usable(text) for text in sent):
                field.errors = [*field.errors, gettext(UNUSABLE_TEXT)]
                valid = False
        return valid


class RegisterForm(Form):
    display_name = StringField(_l("Your name"), render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"), render_kw={"autocomplete": "email"})
    birth_date = DateField(
        _l("Date of birth"), validators=[Optional()], render_kw={"autocomplete": "bday"}
    )
    organisation = StringField(_l("Organisation"), render_kw={"autocomplete": "organization"})
    registration_number = StringField(_l("SKJ or BIG registration number"))
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "new-password"})
    password_repeat = PasswordField(
        _l("Password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})


class RecoverySavedForm(Form):
    recovery_code = HiddenField(validators=[InputRequired(), Regexp(RECOVERY_CODE_PATTERN)])
    email = HiddenField()
    next = HiddenField()
    saved = BooleanField(
        _l("I saved my recovery code"),
        validators=[InputRequired(message=_l("Tick the box once you have saved the code."))],
    )


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail address"), render_kw={"autocomplete": "username"})
    recovery_code = StringField(_l("Recovery code"), render_kw={"autocomplete": "off"})
    new_password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    new_password_repeat = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new_password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    new_password_repeat = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new_password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class NameForm(Form):
    display_name = StringField(_l("Your name"), render_kw={"autocomplete": "name"})


class EmailChangeForm(Form):
    new_email = EmailField(_l("New e-mail address"), render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Your password"), render_kw={"autocomplete": "current-password"})


class LanguageForm(Form):
    """Two languages: the button offers the other one."""

    language = HiddenField()
    next = HiddenField()


class RemoveAccountForm(Form):
    password = PasswordField(_l("Your password"), render_kw={"autocomplete": "current-password"})


class ConfirmForm(Form):
    """A button that changes something: only CSRF travels with it."""


class VerifyProfessionalForm(Form):
    checked = BooleanField(
        _l("I checked this number in the SKJ or BIG register"),
        validators=[InputRequired(message=_l("Tick the box once you have checked the register."))],
    )


class CreateDossierForm(Form):
    subject_name = StringField(_l("Name"))
    subject_birth_date = DateField(_l("Date of birth"), validators=[Optional()])


KIND_CHOICES = [SelectChoice(kind, _l(label)) for kind, label in KIND_LABELS.items()]


class EntryForm(Form):
    section_id = SelectField(_l("Section"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validate_choice=False)
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Text"))


class EditEntryForm(Form):
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Text"))


class ViewForm(Form):
    body = TextAreaField(_l("My view"))


class AttachmentForm(Form):
    file = FileField(_l("File"))


class CorrectionForm(Form):
    reason = TextAreaField(_l("What is wrong?"))
    removal = BooleanField(_l("Remove the entry instead of correcting it"))


class AnswerForm(Form):
    outcome = RadioField(
        _l("Your answer"),
        choices=[
            SelectChoice(CorrectionStatus.CORRECTED, _l("I corrected the text")),
            SelectChoice(CorrectionStatus.REMOVED, _l("I removed the entry")),
            SelectChoice(CorrectionStatus.DECLINED, _l("I do not change it")),
        ],
        validate_choice=False,
    )
    message = TextAreaField(_l("Explain your answer"))
    title = StringField(_l("Corrected title"))
    body = TextAreaField(_l("Corrected text"))


class SectionForm(Form):
    name = StringField(_l("Name of the section"))


class InviteForm(Form):
    relation = RadioField(
        _l("Who do you invite?"),
        choices=[
            SelectChoice(Relation.SUBJECT, _l("The young person the dossier is about")),
            SelectChoice(Relation.GUARDIAN, _l("A parent or guardian")),
        ],
        validate_choice=False,
    )


class JoinForm(Form):
    code = StringField(_l("Invitation code"), render_kw={"autocomplete": "off"})


class AskApproverForm(Form):
    email = EmailField(_l("E-mail address of your parent or guardian"))


class DestroyForm(Form):
    confirm = StringField(_l("Type the name to confirm"), render_kw={"autocomplete": "off"})


class ArchiveForm(Form):
    sure = BooleanField(
        _l("Yes, withdraw this entry"),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )


class ShareForm(Form):
    grantee_email = EmailField(_l("E-mail address of the person"))
    section_ids = SelectMultipleField(_l("Which sections?"), choices=[], validate_choice=False)
    permission = RadioField(
        _l("What may they do?"),
        choices=[
            SelectChoice(Permission.READ, _l("Read")),
            SelectChoice(
                Permission.CONTRIBUTE,
                _l("Read and write (care workers write entries, family writes views)"),
            ),
            SelectChoice(
                Permission.HELP,
                _l(
                    "Helper: reads, and writes suggestions that you send yourself"
                    " (needs an end date)"
                ),
            ),
        ],
        default=Permission.READ,
        validate_choice=False,
    )
    expires_on = DateField(_l("Until (optional)"), validators=[Optional()])
    message = TextAreaField(_l("Personal message (optional)"))


class ChangeGrantForm(Form):
    section_ids = SelectMultipleField(_l("Sections"), choices=[], validate_choice=False)
    expires_on = DateField(_l("Until"), validators=[Optional()])


# --- the family's plan --------------------------------------------------------------------------


class HelperForm(Form):
    class Meta:
        csrf = False

    name = StringField(_l("Name"))
    how = StringField(_l("How they help"))


class PlanActionForm(Form):
    class Meta:
        csrf = False

    ref = HiddenField()
    what = StringField(_l("What"))
    who_id = SelectField(_l("Who does it"), choices=[], validate_choice=False)
    who = StringField(_l("Or someone else (name)"))
    by = DateField(_l("By when"), validators=[Optional()])


class GoalForm(Form):
    class Meta:
        csrf = False

    ref = HiddenField()
    text = TextAreaField(_l("What do we want to reach?"))
    proposed_by = StringField(_l("Whose idea is it?"))
    actions = FieldList(FormField(PlanActionForm), min_entries=1)


class PlanForm(Form):
    strengths = TextAreaField(_l("What goes well, and who can help?"))
    network = FieldList(FormField(HelperForm), min_entries=1)
    goals = FieldList(FormField(GoalForm), min_entries=1)
    next_evaluation = DateField(
        _l("When do we look at the plan together again?"), validators=[Optional()]
    )
    based_on = HiddenField()


class PlanMarkForm(Form):
    agrees = RadioField(
        _l("Do you stand behind this plan?"),
        choices=[
            SelectChoice("yes", _l("Yes, I stand behind this plan")),
            SelectChoice("no", _l("No, not yet")),
        ],
        validate_choice=False,
    )
    reason = TextAreaField(_l("Why not? What should change?"))


class PlanTickForm(Form):
    done = HiddenField()
    note = StringField(_l("A short note (you may leave it empty)"))


class EvaluationGoalForm(Form):
    class Meta:
        csrf = False

    ref = HiddenField()
    outcome = RadioField(
        _l("Did we reach it?"),
        choices=[
            SelectChoice("reached", _l("Reached")),
            SelectChoice("partly", _l("Partly")),
            SelectChoice("not", _l("Not reached")),
        ],
        validate_choice=False,
    )
    words = TextAreaField(_l("In your own words"))


class EvaluationForm(Form):
    goals = FieldList(FormField(EvaluationGoalForm), min_entries=0)


class AskForm(Form):
    code = StringField(_l("Request code"), render_kw={"autocomplete": "off"})
    owner_email = EmailField(_l("Or: the e-mail address of an owner"))
    sections = SelectMultipleField(_l("Which parts"), choices=[], validate_choice=False)
    permission = RadioField(
        _l("What may you do?"),
        choices=[
            SelectChoice(str(Permission.READ), _l("Read")),
            SelectChoice(str(Permission.CONTRIBUTE), _l("Read and write")),
        ],
        default=str(Permission.READ),
        validate_choice=False,
    )
    months = SelectField(_l("For how long?"), choices=[], validate_choice=False, default="3")
    purpose = TextAreaField(_l("Why do you ask?"))


class ObjectionForm(Form):
    """Someone a passage is kept from objects to it (on the entry page)."""

    text = TextAreaField(_l("Why do you object?"))


class DraftForm(Form):
    """A trusted helper writes a suggestion for the young person (on the entry page)."""

    kind = RadioField(
        _l("What do you write?"),
        choices=[
            SelectChoice(str(DraftKind.VIEW), _l("Her view, next to this entry")),
            SelectChoice(str(DraftKind.CORRECTION), _l("A request to correct this entry")),
        ],
        default=str(DraftKind.VIEW),
        validate_choice=False,
    )
    body = TextAreaField(_l("Your suggestion"))


class SendDraftForm(Form):
    """An owner sends a helper's suggestion as her own, changed first if she likes."""

    body = TextAreaField(_l("In your own words"))


class SecondStepForm(Form):
    code = StringField(
        _l("Code from the app"),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasskeyAnswerForm(Form):
    """What the browser's passkey answered, filled in by the page's script."""

    credential = HiddenField()


class SecondStepRecoveryForm(Form):
    recovery_code = StringField(_l("Recovery code"), render_kw={"autocomplete": "off"})


class AddAppForm(Form):
    name = StringField(_l("Name"))
    code = StringField(
        _l("Code from the app"),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class AddPasskeyForm(Form):
    name = StringField(_l("Name"))
    credential = HiddenField()


class StartResetForm(Form):
    email = EmailField(_l("E-mail address of the staff member"))


class CheckInForm(Form):
    score = RadioField(
        _l("Do you feel heard?"),
        choices=[
            SelectChoice("1", _l("1 · not at all")),
            SelectChoice("2", _l("2 · a little")),
            SelectChoice("3", _l("3 · partly")),
            SelectChoice("4", _l("4 · mostly")),
            SelectChoice("5", _l("5 · completely")),
        ],
        validate_choice=False,
    )
    comment = TextAreaField(_l("Do you want to say more? (you may skip this)"))

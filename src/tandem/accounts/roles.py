"""Roles and permissions, declared once. Templates get `can_*` flags derived from here."""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", "Dispatcher / call-taker"
    OFFICER = "officer", "Officer"
    CLINICIAN = "clinician", "Clinician"
    NAVIGATOR = "navigator", "Navigator / case manager"
    SUPERVISOR = "supervisor", "Supervisor"
    ANALYST = "analyst", "Analyst"
    REGIONAL_ADMIN = "regional_admin", "Regional administrator"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    SYSTEM_ADMIN = "system_admin", "System administrator"


class Perm(StrEnum):
    VIEW_CALLS = "view_calls"
    TAKE_CALLS = "take_calls"
    VIEW_ENCOUNTERS = "view_encounters"
    VIEW_PEOPLE = "view_people"
    WORK_FOLLOWUPS = "work_followups"
    VIEW_AGGREGATES = "view_aggregates"
    VIEW_AUDIT = "view_audit"
    MANAGE_PROGRAM = "manage_program"
    UPDATE_UNITS = "update_units"  # record en route / on scene / cleared for a team
    REQUEST_CLINICIAN = "request_clinician"
    RECODE_CALLS = "recode_calls"


# Roles whose members read person-level records (subject to the privacy policy).
CASEWORK = {Perm.VIEW_CALLS, Perm.VIEW_ENCOUNTERS, Perm.VIEW_PEOPLE}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.DISPATCHER: frozenset(
        {Perm.VIEW_CALLS, Perm.TAKE_CALLS, Perm.VIEW_PEOPLE, Perm.UPDATE_UNITS, Perm.RECODE_CALLS}
    ),
    Role.OFFICER: frozenset(CASEWORK | {Perm.UPDATE_UNITS, Perm.REQUEST_CLINICIAN}),
    Role.CLINICIAN: frozenset(
        CASEWORK | {Perm.WORK_FOLLOWUPS, Perm.UPDATE_UNITS, Perm.RECODE_CALLS}
    ),
    Role.NAVIGATOR: frozenset(CASEWORK | {Perm.WORK_FOLLOWUPS}),
    Role.SUPERVISOR: frozenset(
        CASEWORK
        | {Perm.WORK_FOLLOWUPS, Perm.VIEW_AGGREGATES, Perm.UPDATE_UNITS, Perm.REQUEST_CLINICIAN}
    ),
    Role.ANALYST: frozenset({Perm.VIEW_AGGREGATES}),
    Role.REGIONAL_ADMIN: frozenset({Perm.VIEW_AGGREGATES, Perm.MANAGE_PROGRAM}),
    Role.PRIVACY_OFFICER: frozenset({Perm.VIEW_AUDIT, Perm.VIEW_AGGREGATES}),
    Role.SYSTEM_ADMIN: frozenset({Perm.MANAGE_PROGRAM}),
}

# Roles whose members sign in with a second factor (TOTP) as well as a password: those
# that read clinical records, oversee others' work, or administer accounts and the audit.
# A program file's `two_factor: {required_for_all: true}` extends it to every role.
TWO_FACTOR_ROLES: frozenset[str] = frozenset(
    {
        Role.CLINICIAN,
        Role.SUPERVISOR,
        Role.REGIONAL_ADMIN,
        Role.PRIVACY_OFFICER,
        Role.SYSTEM_ADMIN,
    }
)

# What each role does here, shown on its home page.
ROLE_PURPOSE: dict[str, str] = {
    Role.DISPATCHER: (
        "Take calls, see whether a call has a behavioral-health nexus and which response "
        "is recommended, assign the best available team and watch the board."
    ),
    Role.OFFICER: (
        "See your assignments and the safety facts of a person's crisis plan, record what "
        "happened on scene, and return to patrol when the clinician takes over."
    ),
    Role.CLINICIAN: (
        "Respond with officers or alone, screen and assess, record the disposition, "
        "make referrals and start follow-up."
    ),
    Role.NAVIGATOR: (
        "Work the follow-up queue: contact attempts, family and caregiver contact, "
        "closed-loop referrals and outreach to people with repeated crisis contacts."
    ),
    Role.SUPERVISOR: (
        "Oversee your agency's calls and encounters, approve crisis plans, and review "
        "your team's work."
    ),
    Role.ANALYST: (
        "Study de-identified figures: calls, assessments, diversion and response times, "
        "with small counts suppressed."
    ),
    Role.REGIONAL_ADMIN: (
        "Run the regional program: partner agencies, teams and schedules, and the figures "
        "reported to funders."
    ),
    Role.PRIVACY_OFFICER: (
        "Review who saw what and why: audit events, consents, disclosures and "
        "break-the-glass access."
    ),
    Role.SYSTEM_ADMIN: "Keep the platform running: accounts, program configuration, upgrades.",
}

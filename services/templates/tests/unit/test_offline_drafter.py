"""The offline drafter: always a valid, publishable template, and a sensible one for what it reads."""

import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stitch.templates.adapters.offline_drafter import OfflineTemplateDrafter, spread_days, stated_weeks
from stitch.templates.adapters.offline_phases import PHASES
from stitch.templates.domain.merge_fields import MERGE_FIELDS, merge_fields_used
from stitch.templates.domain.template import Template

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
DRAFTER = OfflineTemplateDrafter()
# Fields the domain checks for merge fields: user text must never land in them.
MERGE_CHECKED = {"SEND_EMAIL": ("subject", "body"), "SLACK": ("message",), "SCHEDULE_MEETING": ("title", "agenda"),
                 "COLLECT_INFO": ("intro",), "REQUEST_DOCS": ("instructions",), "REQUEST_ASSETS": ("instructions",)}


def draft(description):
    return DRAFTER.draft_template(description)


def names(document):
    return [m["name"] for m in document["milestones"]]


def actions(document):
    return [a for m in document["milestones"] for a in m["actions"]]


def assert_valid_and_publishable(document):
    template = Template.create("org-1", document, "user-7", NOW)  # raises InvalidTemplate with every violation
    assert template.publish_problems() == []
    assert len(template.milestones) >= 3
    assert all(2 <= len(m.actions) <= 5 for m in template.milestones)
    assert 1 <= template.duration_weeks <= 104
    assert template.name.strip() and len(template.name) <= 200


# -- any input: valid, publishable, deterministic --------------------------------------------------
KEYWORDS = ["kickoff", "SSO", "SAML", "Okta", "security review", "SOC 2", "Salesforce", "HubSpot", "API",
            "data migration", "CSV import", "logo", "branding", "training", "workshops", "UAT", "pilot",
            "go-live", "launch", "QBR", "adoption", "contracts", "DPA", "legal", "Slack", "enterprise",
            "mid-market", "SMB", "startup", "self-serve", "quick start", "discovery", "requirements"]
DURATIONS = ["6 weeks", "two weeks", "3 months", "90 days", "a month", "12-16 weeks", "0 weeks", "99999 years",
             "every 2 weeks", "half a year", "1.5 months"]
NOISE = ["{{x}}", "{{company_name}}", "}}", "{{", "\x00", "\u202e", "🚀", "مرحبا", "שלום", "日本語の説明", "\n\t",
         "and", "with", "then", ",", ".", "  "]
sentences = st.lists(st.sampled_from(KEYWORDS + DURATIONS + NOISE), min_size=1, max_size=25).map(" ".join)
any_text = st.text(min_size=1).filter(str.strip)


@settings(max_examples=200, deadline=None, database=None)  # no example files written by unit tests
@given(st.one_of(any_text, sentences, st.builds(lambda a, b: a + " " + b, sentences, any_text)))
def test_any_description_gives_a_valid_publishable_template_and_the_same_one_every_time(description):
    document = draft(description)
    assert_valid_and_publishable(document)
    assert draft(description) == document
    assert json.loads(json.dumps(document)) == document  # plain JSON data, nothing else


@pytest.mark.parametrize("description", [
    "", "   ", "!!!?...", "{{x}}", "{{ company_name }} {{", "\x00\x01\x7f", "\u202e\u2066evil", "🚀" * 5000,
    "x" * 500_000, "word " * 50_000, "Onboarding " + "{{bad}} " * 1000, "\ud800 lone surrogate",
    "نقوم بإعداد العملاء خلال ستة أسابيع", "12-16 weeks " * 1000, "9" * 10_000 + " weeks",
])
def test_hostile_or_huge_descriptions_still_give_a_valid_template(description):
    assert_valid_and_publishable(draft(description))


def test_user_text_never_reaches_fields_checked_for_merge_fields():
    document = draft("Enterprise zqxj {{evil}} onboarding with SSO, Salesforce, data migration, branding, "
                     "training, UAT, contracts, QBR and Slack")
    for action in actions(document):
        for key in MERGE_CHECKED[action["type"]]:
            assert "zqxj" not in action["content"][key]
            assert merge_fields_used(action["content"][key]) <= set(MERGE_FIELDS)
    assert "zqxj" in document["description"]


# -- the catalogue ---------------------------------------------------------------------------------
def test_every_phase_keeps_two_to_five_actions_whatever_conditional_ones_apply():
    for phase in PHASES:
        always = [s for s in phase.steps if not s.when]
        assert 2 <= len(always) and len(phase.steps) <= 5, phase.key


def test_a_description_naming_everything_gets_every_phase_in_the_catalogue_order():
    document = draft("Enterprise onboarding: kickoff, discovery of requirements, contracts and DPA, security review "
                     "with SSO via Okta, workspace setup, branding with our logo, Salesforce integration, data "
                     "migration from spreadsheets, UAT, admin training, go-live, then a QBR. We use Slack.")
    assert_valid_and_publishable(document)
    assert names(document) == ["Kickoff", "Discovery & requirements", "Contracts & documents",
                               "Security & access: Okta", "Account setup", "Branding", "Integrations: Salesforce",
                               "Data migration", "Testing & sign-off", "Training", "Go-live", "Adoption review"]
    assert sum(len(phase.steps) for phase in PHASES) == len(actions(document))  # every conditional action too
    assert "{systems}" not in json.dumps(document)


# -- reading the description -----------------------------------------------------------------------
def test_enterprise_with_sso_salesforce_and_training_gets_those_phases_in_order():
    document = draft("Enterprise customers need a security review and SAML SSO, then we integrate their Salesforce "
                     "org and run training workshops for admins before launch.")
    assert names(document) == ["Kickoff", "Security & access", "Integrations: Salesforce", "Training", "Go-live"]
    assert document["segment"] == "Enterprise" and document["name"] == "Enterprise onboarding"
    assert {"enterprise", "security", "integrations", "training", "salesforce"} <= set(document["tags"])
    assert document["duration_weeks"] == 14  # enterprise default when no duration is given
    sso_form = next(a for a in actions(document) if a["label"] == "Single sign-on setup")
    assert sso_form["visibility"]["portal"]["blocker"] is True


def test_named_systems_come_first_in_the_question_that_asks_which_ones():
    document = draft("Connect their HubSpot and Jira")
    [systems] = [f for a in actions(document) if a["type"] == "COLLECT_INFO"
                 for f in a["content"]["fields"] if f["key"] == "systems"]
    assert systems["options"][:2] == ["HubSpot", "Jira"] and "Salesforce" in systems["options"]
    assert "Integrations: HubSpot, Jira" in names(document)
    integrations = next(m for m in document["milestones"] if m["name"].startswith("Integrations"))
    assert "HubSpot and Jira" in integrations["internal_description"]


@pytest.mark.parametrize("text, weeks", [
    ("6 weeks", 6), ("two weeks", 2), ("3 months", 13), ("90 days", 13), ("a month", 4), ("10 days", 2),
    ("12-16 weeks", 16), ("12 – 16 weeks", 16), ("12 to 16 weeks", 16), ("between 2 and 3 months", 13),
    ("a six-week programme", 6), ("half a year", 26), ("a 2-week kickoff inside a 10 week rollout", 10),
    ("500 weeks", 104), ("3 years", 104), ("weekly calls, once a week", None), ("every 2 weeks", None),
    ("no duration here", None), ("0 weeks", None),
])
def test_the_duration_is_read_from_the_text(text, weeks):
    assert stated_weeks(text.casefold()) == weeks


def test_a_stated_duration_wins_over_the_segment_default_and_milestones_add_up_to_it():
    document = draft("Enterprise rollout in 3 months with SSO and training")
    assert document["duration_weeks"] == 13
    assert sum(m["duration_days"] for m in document["milestones"]) == 13 * 7


@pytest.mark.parametrize("description, segment, weeks", [
    ("Onboarding for our SMB customers", "SMB", 6),
    ("Mid-market accounts", "Mid-Market", 10),
    ("A quick start for new accounts", "", 3),
    ("Self-serve customers", "Self-serve", 3),
    ("Startups and enterprise customers", "Enterprise, Startup", 14),
    ("Our standard plan", "", 8),
])
def test_segments_are_read_and_set_the_default_duration(description, segment, weeks):
    document = draft(description)
    assert (document["segment"], document["duration_weeks"]) == (segment, weeks)


def test_slack_actions_only_when_slack_is_mentioned():
    without = draft("Kickoff, setup, training and go-live")
    with_slack = draft("Kickoff, setup, training and go-live; we talk to customers in a shared Slack channel")
    assert [a for a in actions(without) if a["type"] == "SLACK"] == []
    assert len([a for a in actions(with_slack) if a["type"] == "SLACK"]) == 2
    assert "slack" in with_slack["tags"] and "slack" not in without["tags"]


def test_an_unrecognised_description_gets_a_standard_plan_sized_by_its_duration():
    document = draft("Blorp zibble frobnicate, in 5 weeks.")
    assert names(document) == ["Kickoff", "Account setup", "Training", "Go-live"]
    assert document["duration_weeks"] == 5
    assert sum(m["duration_days"] for m in document["milestones"]) == 35
    assert document["name"] == "Onboarding: Blorp zibble frobnicate, in 5 weeks"


def test_an_unrecognised_enterprise_description_gets_a_fuller_standard_plan():
    assert names(draft("For enterprise accounts")) == ["Kickoff", "Discovery & requirements", "Security & access",
                                                         "Account setup", "Training", "Go-live"]


def test_the_drafted_actions_follow_the_house_rules():
    document = draft("Kickoff, contracts, security questionnaire, SSO, setup, logo, API, import, UAT, training, "
                     "launch and QBR")
    every = actions(document)
    assert all(a["trigger"] == {"type": "manual"} for a in every if a["type"] == "SCHEDULE_MEETING")
    reminders = [a for a in every if a["label"].startswith("Reminder")]
    assert reminders and all(48 <= a["trigger"]["delay_hours"] <= 96 for a in reminders)
    for milestone in document["milestones"]:
        assert milestone["customer_description"] and milestone["internal_description"] and milestone["exit_criteria"]
    blockers = [a for a in every if a["visibility"]["portal"]["blocker"]]
    assert len(blockers) >= len(document["milestones"]) - 1
    assert all(a["type"] in ("COLLECT_INFO", "REQUEST_DOCS", "REQUEST_ASSETS") for a in blockers)


# -- name and description --------------------------------------------------------------------------
def test_the_description_is_cleaned_and_kept_within_its_limit():
    document = draft("  We onboard\tdental\x00 clinics\u202e.\n\nThen   more. " + "blah " * 1000)
    assert document["description"].startswith("We onboard dental clinics. Then more. blah")
    assert len(document["description"]) <= 2000 and document["description"].endswith("…")
    assert document["name"] == "Onboarding: We onboard dental clinics"
    assert not re.search(r"[\x00-\x1f\u202e]", document["name"] + document["description"])


@pytest.mark.parametrize("description", ["?!... ---", "🚀🚀", "   "])
def test_a_description_without_words_still_gets_a_name(description):
    assert draft(description)["name"] == "Onboarding plan"


def test_a_long_first_sentence_is_shortened_in_the_name():
    name = draft("Supercalifragilistic " * 20)["name"]
    assert name.startswith("Onboarding: Supercalifragilistic") and name.endswith("…") and len(name) <= 80


def test_changing_a_draft_does_not_change_the_next_one():
    first = draft("Kickoff and training")
    first["milestones"][0]["actions"][0]["content"]["subject"] = "changed"
    assert draft("Kickoff and training")["milestones"][0]["actions"][0]["content"]["subject"] != "changed"


def test_the_drafter_names_itself_for_provenance():
    assert (OfflineTemplateDrafter.name, OfflineTemplateDrafter.version) == ("offline", "1")


@pytest.mark.parametrize("total, weights, expected", [
    (56, [1, 2, 2, 1], [9, 19, 19, 9]),
    (7, [1, 3, 3, 3, 1], [1, 2, 2, 2, 1]),  # fewer days than milestones: each still gets one
    (728, [1, 3, 1], [182, 365, 181]),  # a 104-week plan: no milestone over 365 days
])
def test_days_are_spread_by_weight(total, weights, expected):
    assert spread_days(total, weights) == expected

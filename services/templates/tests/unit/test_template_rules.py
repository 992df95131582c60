"""The template aggregate's rules, on the model itself: no HTTP, no storage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stitch.templates.domain.errors import Conflict, InvalidTemplate, NotFound
from stitch.templates.domain.merge_fields import merge_field_problem
from stitch.templates.domain.template import ARCHIVED, Template

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def email(label="Welcome", trigger=None, **content):
    action = {"label": label, "type": "SEND_EMAIL",
              "content": {"subject": "Welcome, {{company_name}}", "body": "Hi {{contact_first_name}}", **content}}
    return {**action, "trigger": trigger} if trigger else action


def template(**overrides) -> Template:
    document = {"name": "Standard", "milestones": [{"name": "Kickoff", "actions": [email()]}], **overrides}
    return Template.create("org-1", document, "admin-1", NOW)


def violations(document) -> dict[str, str]:
    with pytest.raises(InvalidTemplate) as caught:
        Template.create("org-1", document, "admin-1", NOW)
    return {v.path: v.rule for v in caught.value.violations}


def test_defaults_are_filled_in_and_text_is_tidied():
    t = template(name="  Standard   SaaS  ", tags=["SaaS", " smb "])
    action = t.milestones[0].actions[0]
    assert t.name == "Standard SaaS" and t.tags == ["saas", "smb"]
    assert action.trigger == {"type": "milestone_start", "delay_hours": 0}
    assert action.visibility["portal"] == {"visible": True, "label": "", "blocker": False}
    assert action.content["to"] == ["primary_contact"] and action.content["cc"] == []
    assert t.milestones[0].duration_days == 7


def test_every_broken_rule_is_named_at_once():
    found = violations({
        "name": "", "description": "x" * 2001,
        "milestones": [{"name": "  ", "actions": [
            {"label": "A", "type": "SEND_FAX"},
            email(trigger={"type": "milestone_start", "delay_hours": 721}),
            {"label": "Form", "type": "COLLECT_INFO", "content": {"fields": [{"label": "Tool", "type": "dropdown"}]}},
            email(label="Bad", subject="Hi {{first_name}}"),
        ]}],
    })
    assert set(found) == {"name", "description", "milestones.0.name", "milestones.0.actions.0.type",
                          "milestones.0.actions.1.trigger.delay_hours",
                          "milestones.0.actions.2.content.fields.0.options", "milestones.0.actions.3.content.subject"}
    assert found["name"] == "must not be blank" and found["milestones.0.name"] == "must not be blank"
    assert found["description"] == "must be at most 2000 characters (got 2001)"
    assert found["milestones.0.actions.1.trigger.delay_hours"] == "must be between 0 and 720 (got 721)"
    assert found["milestones.0.actions.2.content.fields.0.options"] == "a dropdown field needs at least one option"
    assert found["milestones.0.actions.0.type"].startswith("must be one of SEND_EMAIL")
    assert "{{first_name}}" in found["milestones.0.actions.3.content.subject"]


@pytest.mark.parametrize("delay, ok", [(0, True), (720, True), (721, False), (-1, False), (1.5, False), (True, False)])
def test_delay_hours_run_from_0_to_720_whole_hours(delay, ok):
    document = {"name": "T", "milestones": [{"name": "M", "actions": [
        email(trigger={"type": "milestone_start", "delay_hours": delay})]}]}
    if ok:
        assert Template.create("o", document, "u", NOW).milestones[0].actions[0].trigger["delay_hours"] == delay
    else:
        assert "milestones.0.actions.0.trigger.delay_hours" in violations(document)


def test_a_manual_trigger_has_no_delay_and_meetings_default_to_manual():
    assert violations({"name": "T", "milestones": [{"name": "M", "actions": [
        email(trigger={"type": "manual", "delay_hours": 24})]}]}) == {
        "milestones.0.actions.0.trigger.delay_hours": "only milestone_start triggers have a delay"}
    meeting = template(milestones=[{"name": "M", "actions": [
        {"label": "Kickoff call", "type": "SCHEDULE_MEETING", "content": {"title": "Kickoff with {{company_name}}"}}]}])
    assert meeting.milestones[0].actions[0].trigger == {"type": "manual"}
    assert meeting.milestones[0].actions[0].content["duration_minutes"] == 30


@pytest.mark.parametrize("text, problem", [
    ("Hello {{company_name}} and {{ csm_name }}", None),
    ("Hello {{company}}", "unknown merge field {{company}}"),
    ("Hello {{company_name}", "unclosed or malformed"),
    ("Hello {{a}} {{b}}", "unknown merge field {{a}}, {{b}}"),
])
def test_merge_fields_come_from_the_documented_list(text, problem):
    found = merge_field_problem(text)
    assert (found is None) if problem is None else (problem in found)


def test_recipients_are_rules_or_addresses():
    found = violations({"name": "T", "milestones": [{"name": "M", "actions": [
        email(to=["primary_contact", "role:it admin", "ops@customer.example", "the boss"], bcc=[])]}]})
    assert list(found) == ["milestones.0.actions.0.content.to.3"]


def test_form_fields_carry_only_what_their_type_has():
    found = violations({"name": "T", "milestones": [{"name": "M", "actions": [{
        "label": "Intake", "type": "COLLECT_INFO", "content": {"fields": [
            {"label": "Go-live date", "type": "date", "options": ["soon"]},
            {"label": "Go-live date", "type": "text"},
            {"label": "Logo", "type": "file", "formats": ["exe"]},
            {"label": "Colour", "type": "colour"},
        ]}}]}]})
    base = "milestones.0.actions.0.content.fields"
    assert set(found) == {f"{base}.0.options", f"{base}.1.key", f"{base}.2.formats.0", f"{base}.3.type"}


def test_customer_tasks_and_blockers_must_be_visible_in_the_portal():
    docs = {"label": "Contract", "type": "REQUEST_DOCS", "content": {"documents": [{"name": "MSA"}]},
            "visibility": {"portal": {"visible": False}}}
    slack = {"label": "Ping", "type": "SLACK", "content": {"message": "Hi"},
             "visibility": {"portal": {"blocker": True}}}
    found = violations({"name": "T", "milestones": [{"name": "M", "actions": [docs, slack]}]})
    assert set(found) == {"milestones.0.actions.0.visibility.portal.visible",
                          "milestones.0.actions.1.visibility.portal.blocker"}


def test_upload_size_may_be_lowered_never_raised_past_the_format_limit():
    def docs(size):
        return {"name": "T", "milestones": [{"name": "M", "actions": [{"label": "Logo", "type": "REQUEST_ASSETS",
                "content": {"assets": [{"name": "Logo", "formats": ["svg"], "max_size_mb": size}]}}]}]}
    assert Template.create("o", docs(5), "u", NOW).milestones[0].actions[0].content["assets"][0]["max_size_mb"] == 5
    assert "milestones.0.actions.0.content.assets.0.max_size_mb" in violations(docs(6))


def test_unknown_fields_are_named_not_dropped():
    assert violations({"name": "T", "milestone": []}) == {"milestone": "is not a known field"}


def test_editing_keeps_ids_and_marks_unpublished_changes():
    t = template()
    t.publish("admin-1", NOW)
    milestone = t.milestones[0]
    assert not t.unpublished_changes
    t.change_milestone(milestone.id, {"name": "Kick-off"}, "admin-2", NOW)
    assert t.milestones[0].id == milestone.id and t.milestones[0].actions == milestone.actions
    assert t.unpublished_changes and t.updated_by == "admin-2"


def test_publishing_numbers_revisions_and_needs_a_change_in_between():
    t = template()
    first = t.publish("admin-1", NOW)
    with pytest.raises(Conflict, match="nothing changed since revision 1"):
        t.publish("admin-1", NOW)
    t.change_details({"duration_weeks": 6}, "admin-1", NOW)
    second = t.publish("admin-1", NOW)
    assert (first.number, second.number) == (1, 2)
    assert first.snapshot["duration_weeks"] is None and second.snapshot["duration_weeks"] == 6


def test_publishing_needs_milestones_with_actions():
    t = template(milestones=[{"name": "Kickoff", "actions": [email()]}, {"name": "Empty"}])
    with pytest.raises(InvalidTemplate) as caught:
        t.publish("admin-1", NOW)
    assert [v.path for v in caught.value.violations] == ["milestones.1.actions"]
    assert [v.path for v in template(milestones=[]).publish_problems()] == ["milestones"]


def test_revisions_never_change_when_the_draft_does():
    t = template()
    revision = t.publish("admin-1", NOW)
    before = repr(revision.snapshot)
    t.change_action(t.milestones[0].actions[0].id, {"label": "Hello"}, "admin-1", NOW)
    t.add_milestone({"name": "Training"}, None, "admin-1", NOW)
    assert repr(revision.snapshot) == before


def test_reordering_needs_every_id_once():
    t = template(milestones=[{"name": n} for n in "ABC"])
    a, b, c = (m.id for m in t.milestones)
    t.reorder_milestones([c, a, b], "u", NOW)
    assert [m.name for m in t.milestones] == ["C", "A", "B"]
    for bad in ([a, b], [a, b, b], [a, b, c, "x"]):
        with pytest.raises(InvalidTemplate):
            t.reorder_milestones(bad, "u", NOW)


def test_actions_move_between_milestones():
    t = template(milestones=[{"name": "A", "actions": [email("one"), email("two")]}, {"name": "B"}])
    one = t.milestones[0].actions[0]
    t.move_action(one.id, t.milestones[1].id, 0, "u", NOW)
    assert [a.label for a in t.milestones[0].actions] == ["two"]
    assert t.milestones[1].actions == (one,)
    with pytest.raises(NotFound):
        t.move_action("nope", t.milestones[1].id, 0, "u", NOW)


def test_changing_an_action_type_needs_new_content():
    t = template()
    action_id = t.milestones[0].actions[0].id
    with pytest.raises(InvalidTemplate, match="content"):
        t.change_action(action_id, {"type": "SLACK"}, "u", NOW)
    changed = t.change_action(action_id, {"type": "SLACK", "content": {"message": "Hi {{contact_first_name}}"}},
                              "u", NOW)
    assert changed.id == action_id and changed.content["channel"] == "account_channel"
    assert changed.visibility["portal"]["visible"] is True  # the old visibility was kept, not the type default


def test_duplicate_copies_the_plan_with_new_ids_and_no_history():
    t = template()
    t.publish("admin-1", NOW)
    copy = t.duplicate(None, "admin-2", NOW)
    assert copy.name == "Standard (copy)" and copy.latest_revision == 0 and copy.usage_count == 0
    assert copy.document() == {**t.document(), "name": "Standard (copy)"}
    assert {m.id for m in copy.milestones}.isdisjoint({m.id for m in t.milestones})


def test_archived_templates_are_read_only_and_used_ones_cannot_be_deleted():
    t = template()
    t.archive("u", NOW)
    assert t.status == ARCHIVED
    with pytest.raises(Conflict, match="read-only"):
        t.change_details({"name": "X"}, "u", NOW)
    with pytest.raises(Conflict):
        t.publish("u", NOW)
    t.restore("u", NOW)
    t.usage_count = 2
    with pytest.raises(Conflict, match="applied to 2 account"):
        t.check_deletable()


def test_a_template_over_1_mib_is_refused():
    big = "x" * 19_000
    milestones = [{"name": f"M{i}", "actions": [email(body=big) for _ in range(2)]} for i in range(30)]
    assert violations({"name": "Huge", "milestones": milestones}) == {
        "milestones": "the template would exceed 1 MiB; split it into smaller ones"}


def test_texts_shown_as_written_refuse_merge_fields():
    found = violations({"name": "T", "milestones": [{
        "name": "Setup for {{company_name}}", "customer_description": "Hi {{contact_first_name}}",
        "actions": [{**email(label="Email {{csm_name}}"),
                     "visibility": {"portal": {"label": "For {{company_name}}"}}}]}]})
    assert set(found) == {"milestones.0.name", "milestones.0.customer_description", "milestones.0.actions.0.label",
                          "milestones.0.actions.0.visibility.portal.label"}
    assert "only in messages" in found["milestones.0.name"]


@pytest.mark.parametrize("sneaky", ["Kick\x00off", "Kick\u202eoff", "Kick\x1boff"])
def test_control_and_direction_characters_are_refused(sneaky):
    assert violations({"name": sneaky}) == {"name": "must not contain control or text-direction characters"}


def test_multi_line_texts_keep_their_line_breaks():
    t = template(milestones=[{"name": "M", "actions": [email(body="Hi {{contact_first_name}},\n\n\tWelcome!")]}])
    assert t.milestones[0].actions[0].content["body"] == "Hi {{contact_first_name}},\n\n\tWelcome!"


def test_blank_optional_texts_take_their_defaults():
    t = template(milestones=[{"name": "M", "actions": [
        {"label": "Ping", "type": "SLACK", "content": {"channel": "  ", "message": "Hi"}},
        {"label": "Intake", "type": "COLLECT_INFO", "content": {"fields": [{"label": "Main CRM", "type": "text",
                                                                           "key": ""}]}}]}])
    slack, form = t.milestones[0].actions
    assert slack.content["channel"] == "account_channel" and form.content["fields"][0]["key"] == "main_crm"


def test_formats_are_normalised_and_repeats_named():
    def docs(formats):
        return {"name": "T", "milestones": [{"name": "M", "actions": [{"label": "Files", "type": "REQUEST_DOCS",
                "content": {"documents": [{"name": "SSO metadata", "formats": formats}]}}]}]}
    t = Template.create("o", docs([".XML", "Pem"]), "u", NOW)
    assert t.milestones[0].actions[0].content["documents"][0]["formats"] == ["xml", "pem"]
    assert violations(docs(["pdf", ".PDF"])) == {
        "milestones.0.actions.0.content.documents.0.formats": "lists pdf twice"}

import pytest

from stitch.templates.application.templates import TEMPLATE_CREATED, CreateTemplate
from stitch.templates.domain.template import InvalidTemplate

ORG = "org-1"


def test_create_template_stores_it_and_publishes_template_created(runtime, uow):
    template = runtime.use_cases["create_template"](CreateTemplate(ORG, "  Standard   onboarding ", "user-7"))
    assert template.name == "Standard onboarding"
    assert uow.committed and uow.templates.rows == [template]
    [event] = uow.published
    assert event.type == TEMPLATE_CREATED and event.orgid == ORG
    assert event.data == {"template_id": template.id, "name": "Standard onboarding", "created_by": "user-7",
                          "created_at": "2026-11-22T09:30:00+00:00"}


@pytest.mark.parametrize("name, rule", [("   ", "must not be blank"), ("x" * 201, "at most 200")])
def test_invalid_names_are_refused_and_nothing_is_published(runtime, uow, name, rule):
    with pytest.raises(InvalidTemplate, match=rule):
        runtime.use_cases["create_template"](CreateTemplate(ORG, name, "user-7"))
    assert not uow.committed and uow.published == [] and uow.templates.rows == []


def test_templates_are_listed_per_organization(runtime):
    for org, name in (("org-1", "A"), ("org-2", "B"), ("org-1", "C")):
        runtime.use_cases["create_template"](CreateTemplate(org, name, "user-7"))
    assert sorted(t.name for t in runtime.use_cases["list_templates"]("org-1", 10, None)) == ["A", "C"]

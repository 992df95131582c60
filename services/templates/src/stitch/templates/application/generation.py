"""AI generation: a plain-language description of an onboarding process becomes a draft to review.

Nothing is saved: the admin edits the draft and creates the template from it. The drafter is a
port; the offline, rule-based one is the default and a later issue adds OpenAI behind it.
"""

from __future__ import annotations

import logging
from typing import Any

from stitch.templates.application.ports import Clock, TemplateDrafter
from stitch.templates.domain.errors import InvalidTemplate, Violation
from stitch.templates.domain.template import Template

DESCRIPTION_MAX = 4_000
log = logging.getLogger(__name__)


class DraftFailed(Exception):
    """The drafter produced something that is not a valid template (its fault, not the admin's)."""


def generate_template(description: Any, *, drafter: TemplateDrafter, clock: Clock) -> dict[str, Any]:
    text = description.strip() if isinstance(description, str) else ""
    if not text:
        raise InvalidTemplate(Violation("description", "describe the onboarding process in a sentence or more"))
    if len(text) > DESCRIPTION_MAX:
        raise InvalidTemplate(Violation("description", f"must be at most {DESCRIPTION_MAX} characters "
                                                       f"(got {len(text)}); summarise the process"))
    document = drafter.draft_template(text)
    try:  # normalise (defaults filled in) and hold the drafter to the same rules as any admin
        template = Template.create("draft", document, "drafter", clock())
    except InvalidTemplate as invalid:
        log.error("the %s drafter produced an invalid template: %s", drafter.name, invalid)
        raise DraftFailed(f"the {drafter.name} generator could not produce a valid template") from invalid
    return {"template": template.document(), "generator": {"name": drafter.name, "version": drafter.version},
            "publishable": not template.publish_problems()}

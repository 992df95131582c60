"""Everything a draft writer needs for one action: the merge-field values and the account's facts.

The values follow docs/templates/merge-fields.md. The recipient is the primary contact: drafts
are written once per action, not per recipient.
"""

from __future__ import annotations

from typing import Any

from stitch.accounts.application.ports import DraftRequest, UnitOfWork
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.happenings import OrgPolicy, People, Person
from stitch.accounts.domain.plan import Action
from stitch.accounts.domain.states import ActionState


def merge_values(account: Account, uow: UnitOfWork, public_url: str, action: Action | None = None) -> dict[str, str]:
    people = people_of(account, uow)
    organization = uow.organizations.get(account.org_id)
    contact = account.primary_contact
    values = {
        "company_name": account.company_name, "company_website": account.website,
        "contact_first_name": contact.first_name if contact else "",
        "contact_last_name": contact.last_name if contact else "",
        "contact_name": contact.name if contact else "", "contact_email": contact.email if contact else "",
        "csm_name": people.csm.name if people.csm else "",
        "csm_first_name": people.csm.name.split()[0] if people.csm and people.csm.name.split() else "",
        "csm_email": people.csm.email if people.csm else "",
        "ae_name": people.ae.name if people.ae else "",
        "vendor_name": organization.name if organization else "",
        "portal_link": f"{public_url.rstrip('/')}/portal/{organization.slug}/" if organization else "",
        "onboarding_progress": _progress(account),
    }
    return values | (milestone_values(account, action) if action is not None else {})


def milestone_values(account: Account, action: Action) -> dict[str, str]:
    """The merge fields that depend on which milestone an action belongs to."""
    milestone = account.milestone(action.milestone_id)
    following = next((m for m in account.milestones if m.sequence == milestone.sequence + 1), None)
    due = milestone.target_date
    return {"milestone_name": milestone.name,
            "milestone_due_date": f"{due:%B} {due.day}, {due:%Y}" if due else "",
            "next_milestone_name": following.name if following else ""}


def draft_request(account: Account, action: Action, uow: UnitOfWork, public_url: str,
                  instructions: str) -> DraftRequest:
    milestone = account.milestone(action.milestone_id)
    context: dict[str, Any] = {
        "account": {"company_name": account.company_name, "industry": account.industry,
                    "company_size": account.company_size, "website": account.website,
                    "close_date": account.close_date.isoformat() if account.close_date else None},
        # The account's notes are internal: never handed to a writer whose text may reach the customer.
        "milestone": {"name": milestone.name, "what_we_do": milestone.internal_description,
                      "customer_description": milestone.customer_description},
        "previous_actions": [{"label": a.label, "state": a.state.value} for a in milestone.actions
                             if a.position < action.position],
    }
    return DraftRequest(action_type=action.type.value, label=action.label, purpose=action.description,
                        content=action.content, values=merge_values(account, uow, public_url, action),
                        instructions=instructions, context=context)


def people_of(account: Account, uow: UnitOfWork) -> People:
    csm = uow.staff.get(account.org_id, account.primary_csm_id) if account.primary_csm_id else None
    ae = None
    if account.ae_email:
        known = uow.staff.by_email(account.org_id, account.ae_email)
        ae = Person(known.name, known.email) if known else Person("", account.ae_email)
    collaborators = (uow.staff.get(account.org_id, c.user_id) for c in account.collaborators)
    return People(csm=Person(csm.name, csm.email) if csm else None, ae=ae,
                  collaborators=tuple(Person(c.name, c.email) for c in collaborators if c and c.active))


def policy_of(org_id: str, uow: UnitOfWork) -> OrgPolicy:
    settings = uow.settings.get(org_id)
    connected = {provider for provider, status in uow.connections.statuses(org_id).items() if status == "connected"}
    return OrgPolicy(review_portal_tasks=settings.review_portal_tasks, auto_send=settings.auto_send,
                     slack_connected="slack" in connected,
                     calendar_connected=bool(connected & {"google", "microsoft"}))


def _progress(account: Account) -> str:
    visible = [a for a in account.actions() if a.portal_visible and a.state is not ActionState.SKIPPED]
    if not visible:
        return "0%"
    done = sum(1 for a in visible if a.state is ActionState.COMPLETED)
    return f"{round(100 * done / len(visible))}%"

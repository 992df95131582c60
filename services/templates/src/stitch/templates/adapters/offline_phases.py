"""The phase catalogue of the offline drafter: what an onboarding phase looks like, and the words
that tell us a description asks for it.

Plain data in the order phases run in (Kickoff first, Go-live near the end); the drafter keeps
this order whatever order the description mentions them in. ``words`` are regular-expression
fragments matched as whole words against the casefolded description (dashes normalised to "-").
Every action text is ours: merge fields are from MERGE_FIELDS only, and no user text goes here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from stitch.templates.adapters.offline_actions import (asset, assets, checkbox_field, choice_field, date_field,
                                                       document, documents, email, file_field, form, meeting,
                                                       reminder, slack, text_field)

SYSTEMS = "{systems}"  # replaced in milestone texts by the systems the description names (see System)


@dataclasses.dataclass(frozen=True)
class System:
    """A named product (Salesforce, Okta...): naming one asks for its phase and tailors that phase."""
    name: str
    words: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Step:
    action: dict[str, Any]
    when: tuple[str, ...] = ()  # drafted only if the description uses one of these words; () = always


@dataclasses.dataclass(frozen=True)
class Phase:
    key: str
    name: str
    words: tuple[str, ...]
    weight: int  # share of the onboarding's duration, relative to the other phases drafted
    internal_description: str
    customer_description: str
    exit_criteria: str
    steps: tuple[Step, ...]  # 2-5 are always drafted, conditional ones included
    always: bool = False  # every onboarding has it, mentioned or not
    tag: str = ""
    systems: tuple[System, ...] = ()
    systems_fallback: str = ""  # what SYSTEMS reads as when the description names none


SLACK_WORDS = ("slack",)
SSO_WORDS = ("sso", "saml", r"single sign[ -]?on", "scim", "identity providers?", "idps?")
SECURITY_REVIEW_WORDS = ("security", "infosec", "compliance", "compliant", r"soc ?2", "soc ii", r"iso ?27001",
                         "gdpr", "hipaa", "pci(?: dss)?", r"pen(?:etration)? ?tests?", "questionnaires?",
                         "vendor risk", "data protection")
IDENTITY_PROVIDERS = (
    System("Okta", ("okta",)),
    System("Microsoft Entra ID", ("azure ad", "azure active directory", "entra(?: id)?", "active directory")),
    System("Google Workspace", ("google workspace", "g suite", "gsuite")),
    System("OneLogin", ("onelogin",)),
    System("Ping Identity", ("ping identity", "pingfederate", "pingone")),
    System("JumpCloud", ("jumpcloud",)),
)
BUSINESS_SYSTEMS = (
    System("Salesforce", ("salesforce", "sfdc")),
    System("HubSpot", ("hubspot",)),
    System("Microsoft Dynamics", ("microsoft dynamics", "ms dynamics", "dynamics 365", "dynamics crm")),
    System("Pipedrive", ("pipedrive",)),
    System("Zoho", ("zoho",)),
    System("Zendesk", ("zendesk",)),
    System("Intercom", ("intercom",)),
    System("Jira", ("jira",)),
    System("NetSuite", ("netsuite",)),
    System("SAP", ("sap",)),
    System("QuickBooks", ("quickbooks",)),
    System("Xero", ("xero",)),
    System("Workday", ("workday",)),
    System("Shopify", ("shopify",)),
    System("Stripe", ("stripe",)),
    System("Snowflake", ("snowflake",)),
    System("Marketo", ("marketo",)),
)

KICKOFF = Phase(
    key="kickoff", name="Kickoff", words=(), weight=1, always=True,
    internal_description="Read the sales handoff notes, then run the kickoff call: confirm goals, stakeholders "
                         "and the target go-live date, and show the customer around their portal.",
    customer_description="We get to know your team, agree on your goals and timeline, and show you around "
                         "your onboarding portal.",
    exit_criteria="Kickoff call held; goals, key contacts and target go-live date agreed and recorded.",
    steps=(
        Step(email(
            "Welcome email", "Welcome to {{vendor_name}}, {{company_name}}!",
            "Hi {{contact_first_name}},\n\n"
            "Welcome aboard! I'm {{csm_name}}, your Customer Success Manager, and I'll guide {{company_name}} "
            "through onboarding from start to finish.\n\n"
            "Your onboarding portal shows every step, what we need from you and where things stand:\n"
            "{{portal_link}}\n\n"
            "First up is our kickoff call, where we agree on your goals and timeline. I'll send you an "
            "invitation shortly.\n\n"
            "Looking forward to working together,\n{{csm_name}}",
            cc=("csm",), description="Sent as soon as the onboarding starts.")),
        Step(slack(
            "Welcome in the shared channel",
            "Welcome to your shared channel, {{company_name}} team! I'm {{csm_name}}, your Customer Success "
            "Manager. Ask us anything here; your onboarding steps and progress are always in your portal: "
            "{{portal_link}}"), when=SLACK_WORDS),
        Step(meeting(
            "Kickoff call", "Kickoff: {{company_name}} and {{vendor_name}}",
            "1. Introductions and roles\n"
            "2. Your goals and what success looks like\n"
            "3. Walkthrough of the onboarding plan and timeline\n"
            "4. A tour of your onboarding portal\n"
            "5. Next steps and owners",
            attendees=("primary_contact", "csm", "ae"))),
        Step(form(
            "Goals and key contacts",
            "Help us tailor onboarding to {{company_name}}: tell us who is involved and what success looks "
            "like for you. It takes about five minutes.",
            text_field("primary_goal", "What do you most want to achieve in the first 90 days?", required=True,
                       long=True),
            text_field("success_measure", "How will you measure success?",
                       placeholder="e.g. all teams using it daily, time saved per week"),
            text_field("executive_sponsor", "Executive sponsor (name and email)"),
            text_field("key_contacts", "Other people we should involve (name, role and email)", long=True),
            date_field("target_go_live", "Target go-live date"),
            blocker=True)),
        Step(reminder(
            "Reminder: goals and key contacts", "Quick reminder: your onboarding goals",
            "Hi {{contact_first_name}},\n\n"
            "A quick nudge: we still need your goals and key contacts to tailor the next steps for "
            "{{company_name}}. It takes about five minutes in your portal:\n{{portal_link}}\n\n"
            "Thank you!\n{{csm_first_name}}")),
    ),
)

DISCOVERY = Phase(
    key="discovery", name="Discovery & requirements", weight=2, tag="discovery",
    words=("discovery", "requirements?", "scoping", "scope", r"needs (?:assessments?|analysis)", "use cases?",
           r"current (?:process(?:es)?|workflows?|state|setup|tools)", "success criteria", "solution design",
           r"blueprint\w*", "gap analysis"),
    internal_description="Learn how the customer works today, their use cases and constraints; write down "
                         "the requirements and agree the scope of configuration, integrations and data.",
    customer_description="Tell us how your team works today and what you need, so we set everything up "
                         "around your processes.",
    exit_criteria="Requirements documented and the scope signed off by the customer's project lead.",
    steps=(
        Step(form(
            "Requirements questionnaire",
            "A few questions about how {{company_name}} works today. There are no wrong answers, and rough "
            "notes are fine.",
            choice_field("team_size", "How many people will use the product?",
                         ("1-10", "11-50", "51-200", "201-1,000", "More than 1,000"), required=True),
            text_field("use_cases", "What are the main things your team will use it for?", required=True,
                       long=True),
            text_field("current_tools", "Which tools or processes do you use for this today?", long=True),
            text_field("must_haves", "What must work on day one?", long=True),
            text_field("constraints", "Deadlines, change freezes or constraints we should know about", long=True),
            blocker=True)),
        Step(meeting(
            "Discovery workshop", "Discovery workshop: {{company_name}}",
            "1. Walk through your current process end to end\n"
            "2. Use cases and must-haves for go-live\n"
            "3. Systems and data involved\n"
            "4. Risks, deadlines and dependencies\n"
            "5. Agree the scope and owners",
            minutes=90)),
        Step(email(
            "Requirements summary for sign-off", "Your requirements summary is ready for review",
            "Hi {{contact_first_name}},\n\n"
            "Thank you for the discovery session. Our summary of {{company_name}}'s requirements and the scope "
            "we agreed is in your portal:\n{{portal_link}}\n\n"
            "Please check it and tell us if anything is missing or wrong. Once you confirm, we move on to "
            "{{next_milestone_name}}.\n\n"
            "Best regards,\n{{csm_name}}",
            delay_hours=96, description="Check that the summary is in the portal before approving this email.")),
        Step(reminder(
            "Reminder: requirements questionnaire", "Reminder: a few questions about how you work",
            "Hi {{contact_first_name}},\n\n"
            "To prepare the setup for {{company_name}}, we still need your answers to the requirements "
            "questionnaire. You'll find it in your portal:\n{{portal_link}}\n\n"
            "Thanks,\n{{csm_first_name}}")),
    ),
)

PAPERWORK = Phase(
    key="paperwork", name="Contracts & documents", weight=1, tag="contracts",
    words=("contracts?", "legal", "paperwork", "msas?", "dpas?", "ndas?", "order forms?", "purchase orders?",
           "procurement", r"(?:vendor|supplier) (?:registration|forms?|onboarding|setup)", r"w-?9s?",
           "tax forms?", "insurance", r"invoic\w*", "billing", "documents?", "docs", "signatures?",
           r"e-?sign\w*", "agreements?"),
    internal_description="Collect the signed agreements and the billing and supplier-registration details that "
                         "finance and legal need. Chase missing items early so paperwork never delays go-live.",
    customer_description="Share the signed agreements and billing details we need to finish setting up your "
                         "account.",
    exit_criteria="All required documents received and checked; billing details confirmed.",
    steps=(
        Step(documents(
            "Signed agreements",
            "Please upload the signed copies of the agreements below. If your legal team has changes, upload "
            "their redline instead and we'll take it from there.",
            document("Signed order form", "The order form signed by an authorised signatory.", ("pdf",)),
            document("Signed data processing agreement (DPA)",
                     "Needed if we process personal data on your behalf.", ("pdf", "docx"), required=False),
            document("Purchase order", "Only if your company issues purchase orders for new suppliers.",
                     ("pdf",), required=False),
            blocker=True)),
        Step(form(
            "Billing details", "Where and how should we send invoices to {{company_name}}?",
            text_field("billing_contact", "Billing contact (name)", required=True),
            text_field("billing_email", "Billing email address", required=True,
                       placeholder="accounts-payable@example.com"),
            text_field("billing_address", "Billing address", required=True, long=True),
            text_field("tax_id", "VAT or tax ID"),
            choice_field("invoice_delivery", "How should we send invoices?",
                         ("By email", "Through your supplier portal", "By post")),
            checkbox_field("po_on_invoices", "Invoices must quote a purchase order number"))),
        Step(documents(
            "Supplier registration forms",
            "If your procurement team needs us to fill in supplier registration, tax or compliance forms, "
            "upload them here and we'll return them completed.",
            document("Supplier forms", "Registration, tax (for example W-9) or insurance forms to complete.",
                     ("pdf", "docx", "xlsx"), required=False, max_files=10))),
        Step(reminder(
            "Reminder: documents still needed", "Reminder: documents we still need",
            "Hi {{contact_first_name}},\n\n"
            "A friendly reminder that we're still waiting for a few documents before we can complete "
            "{{company_name}}'s account setup. You can upload them in your portal:\n{{portal_link}}\n\n"
            "If someone else handles this at {{company_name}}, feel free to forward this email.\n\n"
            "Thanks,\n{{csm_first_name}}")),
    ),
)

SECURITY = Phase(
    key="security", name="Security & access", weight=2, tag="security",
    words=SECURITY_REVIEW_WORDS + SSO_WORDS, systems=IDENTITY_PROVIDERS, systems_fallback="their identity provider",
    internal_description="Answer the customer's security review with our standard security pack (ask our "
                         "security team for custom questionnaires), then set up and test single sign-on with "
                         "their IT team through " + SYSTEMS + ".",
    customer_description="Your IT and security teams review how we protect your data, and we connect sign-in "
                         "to your company accounts.",
    exit_criteria="Security review approved by the customer; single sign-on tested with a pilot group, "
                  "if it is in scope.",
    steps=(
        Step(form(
            "Security and IT contacts",
            "Tell us who reviews new suppliers at {{company_name}} and what they need from us, so the security "
            "review doesn't hold up your onboarding.",
            text_field("security_contact", "Security or compliance contact (name and email)", required=True),
            text_field("it_admin", "IT administrator (name and email)", required=True),
            choice_field("security_needs", "Which of these do you need?",
                         ("Single sign-on (SAML)", "Automatic user provisioning (SCIM)", "Security questionnaire",
                          "Data processing agreement", "Penetration test summary", "Data hosted in the EU",
                          "None of these"), several=True),
            blocker=True)),
        Step(documents(
            "Security questionnaire",
            "If your security team uses its own questionnaire or supplier-risk form, upload it here and we'll "
            "complete it. Our security pack (policies, certifications and penetration test summary) is in your "
            "portal.",
            document("Security questionnaire", "Your questionnaire or supplier-risk assessment form.",
                     ("xlsx", "xls", "docx", "pdf"), max_files=5)),
             when=SECURITY_REVIEW_WORDS),
        Step(form(
            "Single sign-on setup",
            "To connect sign-in to your identity provider, your IT team shares the details below. Never send "
            "passwords or private keys here.",
            choice_field("systems", "Identity provider",
                         tuple(s.name for s in IDENTITY_PROVIDERS) + ("Other",), required=True),
            text_field("metadata_url", "SAML metadata URL", required=True,
                       placeholder="https://idp.example.com/metadata"),
            text_field("pilot_users", "Pilot users for testing (emails)", long=True),
            checkbox_field("enforce_sso", "Require single sign-on for everyone once testing is done"),
            checkbox_field("scim", "We want users created and removed automatically (SCIM)"),
            blocker=True), when=SSO_WORDS),
        Step(meeting(
            "Security and IT review call", "Security and IT review: {{company_name}}",
            "1. How we host, protect and back up your data\n"
            "2. Open questions from your security review\n"
            "3. Single sign-on and user provisioning setup\n"
            "4. Next steps and sign-off",
            minutes=45, attendees=("primary_contact", "csm", "collaborators"))),
        Step(reminder(
            "Reminder: security review", "Reminder: your security review",
            "Hi {{contact_first_name}},\n\n"
            "Just checking in on the security review for {{company_name}}. Is there anything your security or "
            "IT team needs from us? Everything we've shared so far is in your portal:\n{{portal_link}}\n\n"
            "Best,\n{{csm_first_name}}", delay_hours=96)),
    ),
)

CONFIGURATION = Phase(
    key="configuration", name="Account setup", weight=2, tag="setup",
    words=(r"set[ -]?ups?", "setting up", r"configur\w*", r"provision\w*", "workspaces?", "implementation",
           "settings", "permissions", "user roles", r"customi[sz]\w*", "onboard users", "user accounts?"),
    internal_description="Build the customer's workspace from what they told us: settings, users and roles, "
                         "and any templates or workflows they need. Review it with them before go-live.",
    customer_description="We set up your workspace around your team and processes. You tell us who needs "
                         "access, then review the result with us.",
    exit_criteria="Workspace configured and reviewed with the customer; all initial users invited.",
    steps=(
        Step(form(
            "Users and roles",
            "Tell us who should get access and what they need to do, so we can set up users and permissions "
            "for {{company_name}}.",
            text_field("admins", "Administrators (name and email)", required=True, long=True,
                       help_text="Admins manage settings and users for your whole team."),
            file_field("user_list", "User list", ("csv", "xlsx"),
                       help_text="A spreadsheet with one row per person: name, email, role and team."),
            text_field("time_zone", "Main time zone", placeholder="e.g. Europe/Paris"),
            text_field("setup_notes", "Anything else we should set up for you?", long=True),
            blocker=True)),
        Step(email(
            "Setup underway", "We're setting up your workspace",
            "Hi {{contact_first_name}},\n\n"
            "We've started setting up {{company_name}}'s workspace. Over the coming days we'll configure your "
            "settings, users and roles based on what you've told us.\n\n"
            "If you haven't yet, please fill in the users and roles form in your portal:\n{{portal_link}}\n\n"
            "We'll book a short review session once everything is ready.\n\n"
            "Best,\n{{csm_name}}", delay_hours=24)),
        Step(meeting(
            "Setup review", "Workspace review: {{company_name}}",
            "1. Walk through your configured workspace\n"
            "2. Check settings, roles and permissions against your needs\n"
            "3. Agree any changes\n"
            "4. Confirm we're ready for {{next_milestone_name}}",
            minutes=45)),
        Step(reminder(
            "Reminder: users and roles", "Reminder: who should get access?",
            "Hi {{contact_first_name}},\n\n"
            "We're almost ready to invite your team, but we still need the list of users and administrators "
            "for {{company_name}}. You can add it in your portal:\n{{portal_link}}\n\n"
            "Thanks,\n{{csm_first_name}}")),
    ),
)

BRANDING = Phase(
    key="branding", name="Branding", weight=1, tag="branding",
    words=(r"brand\w*", "logos?", "assets?", r"white[ -]?label\w*", "themes?", "theming", "colou?rs",
           "style ?guides?", "custom domains?", "look and feel", "fonts?"),
    internal_description="Collect the logo, colours and brand guidelines, and apply them to the customer's "
                         "workspace, portal and email templates.",
    customer_description="Send us your logo and brand guidelines so everything your team sees carries your "
                         "brand.",
    exit_criteria="Brand assets received and applied; the customer approved the preview.",
    steps=(
        Step(assets(
            "Logo and brand assets",
            "Please upload your logo and, if you have them, your brand guidelines. Vector files (SVG) give the "
            "sharpest result; a PNG with a transparent background also works.",
            asset("Primary logo", "Full-colour logo on a transparent background.", ("svg", "png")),
            asset("Square icon", "Used as the app icon and favicon.", ("png", "svg"), dimensions="512x512"),
            asset("Brand guidelines", "Colours, fonts and usage rules.", ("pdf", "zip"), required=False),
            blocker=True)),
        Step(form(
            "Brand colours and domain",
            "A few details so that emails and pages look like {{company_name}}.",
            text_field("primary_colour", "Primary brand colour (hex code)", placeholder="#1A73E8"),
            text_field("secondary_colour", "Secondary brand colour (hex code)", placeholder="#F4B400"),
            text_field("sender_name", "Sender name for emails", placeholder="e.g. the name of your team"),
            text_field("custom_domain", "Custom domain, if you want one", placeholder="onboarding.example.com"))),
        Step(email(
            "Branding preview ready", "Your branded workspace is ready to preview",
            "Hi {{contact_first_name}},\n\n"
            "We've applied {{company_name}}'s logo and colours. Take a look and tell us if anything needs a "
            "tweak:\n{{portal_link}}\n\n"
            "Best,\n{{csm_name}}",
            delay_hours=96, description="Approve it once the branding is actually applied.")),
        Step(reminder(
            "Reminder: logo and brand assets", "Reminder: your logo and brand assets",
            "Hi {{contact_first_name}},\n\n"
            "To brand your workspace, we still need {{company_name}}'s logo. You can upload it in your "
            "portal:\n{{portal_link}}\n\n"
            "Thank you!\n{{csm_first_name}}")),
    ),
)

INTEGRATIONS = Phase(
    key="integrations", name="Integrations", weight=3, tag="integrations",
    words=(r"integrat\w*", "apis?", "crms?", "erps?", "webhooks?", "connectors?", r"sync(?:s|ing|ed)?",
           r"synchroni[sz]\w*", "data feeds?"),
    systems=BUSINESS_SYSTEMS, systems_fallback="their CRM and other business systems",
    internal_description="Connect " + SYSTEMS + ": get access from the customer's admin, agree the field "
                         "mapping, test the sync in a sandbox, then switch production on.",
    customer_description="We connect your other tools so information flows without double entry. Your admins "
                         "grant access and help us test.",
    exit_criteria="Every integration in scope connected; field mapping signed off; a test sync checked by the "
                  "customer.",
    steps=(
        Step(form(
            "Systems to connect",
            "Tell us which systems {{company_name}} wants to connect and who can grant us access. Never send "
            "passwords or API keys here; we'll set up access with your admin directly.",
            choice_field("systems", "Which systems should we connect?",
                         tuple(s.name for s in BUSINESS_SYSTEMS) + ("Other",), several=True, required=True),
            text_field("other_systems", "Other systems (names)"),
            text_field("integration_admin", "Admin who can authorise the connection (name and email)",
                       required=True),
            choice_field("sync_direction", "Which way should data flow?",
                         ("From your system to us", "From us to your system", "Both ways", "Not sure yet")),
            checkbox_field("has_sandbox", "We have a sandbox or test environment we can connect first"),
            blocker=True)),
        Step(meeting(
            "Integration working session", "Integration working session: {{company_name}}",
            "1. Confirm the systems and records in scope\n"
            "2. Set up access with your admin (credentials are never shared by email)\n"
            "3. Agree the field mapping\n"
            "4. Plan the test sync and the switch to production")),
        Step(documents(
            "Field mapping",
            "If you have custom fields or an in-house system, share what we need to map your data correctly. "
            "Our mapping template is in your portal.",
            document("Field mapping sheet", "Which of your fields match which of ours.", ("xlsx", "csv"),
                     required=False),
            document("API documentation", "Only for in-house or custom-built systems.", ("pdf", "docx", "zip"),
                     required=False))),
        Step(email(
            "Test sync ready", "Please check your test sync",
            "Hi {{contact_first_name}},\n\n"
            "We've run a test sync between your systems and {{vendor_name}}. Please check a few records you "
            "know well and tell us if anything looks off:\n{{portal_link}}\n\n"
            "Once you're happy, we'll switch the integration on for real.\n\n"
            "Best,\n{{csm_name}}",
            delay_hours=120, description="Approve it once the test sync has run.")),
        Step(reminder(
            "Reminder: systems to connect", "Reminder: which systems should we connect?",
            "Hi {{contact_first_name}},\n\n"
            "To start on {{company_name}}'s integrations, we need to know which systems to connect and who can "
            "grant access. It's a short form in your portal:\n{{portal_link}}\n\n"
            "Thanks,\n{{csm_first_name}}", delay_hours=48)),
    ),
)

DATA_MIGRATION = Phase(
    key="data_migration", name="Data migration", weight=3, tag="data-migration",
    words=(r"migrat\w*", "imports?", "importing", "imported", r"data (?:loads?|transfer|clean ?up|mapping)",
           "legacy", "historical data", "existing data", "csvs?", "spreadsheets?", "excel", r"backfill\w*",
           "move (?:over|across)"),
    internal_description="Agree what data moves, get export files from the customer, map and clean them, run a "
                         "test import for the customer to check, then run the final import.",
    customer_description="Bring your existing data with you: you export it from your current tools, we import "
                         "it, and you check the result.",
    exit_criteria="Final import complete and spot-checked by the customer; record counts match the source.",
    steps=(
        Step(form(
            "Data to migrate",
            "Tell us what {{company_name}} wants to bring over, so we can plan the import.",
            choice_field("data_types", "What data should we bring over?",
                         ("Users", "Customers or accounts", "Contacts", "Open projects or tasks",
                          "Historical records", "Files and attachments", "Other"), several=True, required=True),
            text_field("source_system", "Where does this data live today?", required=True,
                       placeholder="e.g. spreadsheets, a previous tool"),
            choice_field("record_volume", "Roughly how many records?",
                         ("Under 1,000", "1,000 to 10,000", "10,000 to 100,000", "Over 100,000")),
            date_field("freeze_date", "Last day changes are made in the old system",
                       help_text="We run the final import after this date."))),
        Step(documents(
            "Data export files",
            "Export the data from your current system and upload it here. CSV or Excel works best, one file per "
            "type of record, with column headers. Please leave out passwords and payment card numbers.",
            document("Data export", "One file per type of record.", ("csv", "xlsx", "xls", "zip"),
                     max_files=20),
            document("Notes on the data", "Custom fields, codes or known duplicates we should know about.",
                     ("txt", "pdf", "docx"), required=False),
            blocker=True)),
        Step(email(
            "Test import ready", "Please check your test import",
            "Hi {{contact_first_name}},\n\n"
            "We've imported a first copy of {{company_name}}'s data. Please spot-check a few records you know "
            "well and tell us what needs fixing:\n{{portal_link}}\n\n"
            "After your go-ahead we'll run the final import.\n\n"
            "Best,\n{{csm_name}}",
            delay_hours=120, description="Approve it once the test import has run.")),
        Step(reminder(
            "Reminder: data export files", "Reminder: your data export files",
            "Hi {{contact_first_name}},\n\n"
            "We're ready to start the import as soon as we have {{company_name}}'s export files. You can upload "
            "them in your portal:\n{{portal_link}}\n\n"
            "If exporting is tricky, reply to this email and we'll help.\n\n"
            "Thanks,\n{{csm_first_name}}")),
    ),
)

TESTING = Phase(
    key="testing", name="Testing & sign-off", weight=2, tag="testing",
    words=("testing", r"(?<!pen )(?<!penetration )tests?", "uat", "user acceptance", "acceptance", "pilots?",
           "sandbox", "qa", r"dry[ -]?runs?", "proof of concept", "poc", "trial runs?"),
    internal_description="Support the customer's pilot group as they try real scenarios; fix or log every "
                         "issue, and get a formal sign-off before go-live.",
    customer_description="A small group from your team tries everything with real scenarios and tells us what "
                         "to change before everyone goes live.",
    exit_criteria="Agreed test scenarios pass; the customer signed off on go-live readiness.",
    steps=(
        Step(form(
            "Pilot group and test scenarios",
            "Who will test, and what must work before {{company_name}} goes live?",
            text_field("pilot_users", "Testers (names and emails)", required=True, long=True),
            text_field("scenarios", "Scenarios that must work before go-live", required=True, long=True),
            date_field("testing_starts", "When can your testers start?"),
            blocker=True)),
        Step(meeting(
            "Test results review", "Test results review: {{company_name}}",
            "1. What the testers found\n"
            "2. Fixes made and issues still open\n"
            "3. Anything that blocks go-live\n"
            "4. Sign-off and next steps",
            minutes=45)),
        Step(form(
            "Test sign-off",
            "Once testing is done, confirm the outcome so we can plan {{next_milestone_name}}.",
            choice_field("outcome", "Test outcome",
                         ("Ready for go-live", "Ready, with minor issues to fix after go-live", "Not ready yet"),
                         required=True),
            text_field("open_issues", "Open issues", long=True),
            text_field("signed_off_by", "Signed off by (name and role)", required=True),
            blocker=True)),
        Step(reminder(
            "Check-in on testing", "How is testing going?",
            "Hi {{contact_first_name}},\n\n"
            "How is testing going at {{company_name}}? If your testers have hit anything confusing or broken, "
            "reply to this email or note it in your portal:\n{{portal_link}}\n\n"
            "Best,\n{{csm_first_name}}", delay_hours=96)),
    ),
)

TRAINING = Phase(
    key="training", name="Training", weight=2, tag="training",
    words=(r"train\w*", "workshops?", "enablement", "webinars?", "certifications?", "certified", "academy",
           "education", "lessons?", "tutorials?", r"walk ?throughs?", "office hours", "learning"),
    internal_description="Train the admins first, then the end users, in sessions sized to the customer. "
                         "Share recordings and guides, and note who attended.",
    customer_description="Your admins and your team learn the product in live sessions, with recordings and "
                         "guides to come back to.",
    exit_criteria="Admins trained; end-user sessions delivered; recordings and guides shared.",
    steps=(
        Step(form(
            "Training needs",
            "Help us plan training that fits {{company_name}}: who needs it, and when suits you best.",
            choice_field("audiences", "Who needs training?",
                         ("Administrators", "Managers", "End users", "Support or IT team"), several=True,
                         required=True),
            choice_field("attendee_count", "How many people in total?",
                         ("1-10", "11-25", "26-100", "More than 100")),
            choice_field("training_format", "Preferred format", ("Live online", "On site", "Recorded videos",
                                                                 "A mix")),
            text_field("preferred_times", "Preferred days and times (with your time zone)"),
            blocker=True)),
        Step(meeting(
            "Admin training", "Admin training: {{company_name}}",
            "1. Settings, users and permissions\n"
            "2. Day-to-day administration\n"
            "3. Reports and dashboards\n"
            "4. Where to get help\n"
            "5. Questions",
            minutes=90)),
        Step(meeting(
            "End-user training", "Getting started with {{vendor_name}}",
            "1. A tour of the product\n"
            "2. Everyday tasks, step by step\n"
            "3. Tips and shortcuts\n"
            "4. Questions and answers",
            attendees=("all_contacts", "csm"))),
        Step(email(
            "Training recordings and guides", "Your training recordings and guides",
            "Hi {{contact_first_name}},\n\n"
            "Thank you for joining the training sessions. The recordings and step-by-step guides are in your "
            "portal, so your team can come back to them at any time:\n{{portal_link}}\n\n"
            "New joiners at {{company_name}} can start there too.\n\n"
            "Best,\n{{csm_name}}",
            delay_hours=120, description="Approve it once the recordings are uploaded.")),
    ),
)

GO_LIVE = Phase(
    key="go_live", name="Go-live", words=(), weight=1, always=True,
    internal_description="Run the go/no-go check, switch the customer to production, and watch the first days "
                         "closely: usage, errors and questions.",
    customer_description="Your team starts using the product for real, and we're on hand to help with "
                         "anything that comes up.",
    exit_criteria="Customer live in production; users told about the launch; no blocking issues open.",
    steps=(
        Step(meeting(
            "Go/no-go check", "Go/no-go check: {{company_name}}",
            "1. Open items and risks\n"
            "2. Readiness of data, setup and users\n"
            "3. Launch date and how your users will hear about it\n"
            "4. Decision: go or no-go",
            minutes=30, attendees=("primary_contact", "csm", "collaborators"))),
        Step(form(
            "Launch readiness", "Confirm the launch details for {{company_name}}.",
            date_field("launch_date", "Launch date", required=True),
            text_field("support_contact", "Who should your users contact with questions internally?"),
            checkbox_field("ready", "We've reviewed everything and are ready to go live", required=True),
            blocker=True)),
        Step(email(
            "You're live", "{{company_name}} is live!",
            "Hi {{contact_first_name}},\n\n"
            "Congratulations: {{company_name}} is live on {{vendor_name}}! Thank you and your team for all the "
            "work that got us here.\n\n"
            "Over the next weeks we'll keep a close eye on how things go. If anything comes up, reply to this "
            "email or reach me at {{csm_email}}.\n\n"
            "Cheers,\n{{csm_name}}",
            cc=("ae",), delay_hours=120, description="Approve it on launch day.")),
        Step(slack(
            "Go-live announcement",
            "{{company_name}} is live! Thank you to everyone who made it happen. Questions from your users? "
            "Post them here and we'll jump in.", delay_hours=120), when=SLACK_WORDS),
    ),
)

ADOPTION = Phase(
    key="adoption", name="Adoption review", weight=2, tag="adoption",
    words=("adoption", r"adopt\w*", "qbrs?", "quarterly business reviews?", "business reviews?",
           "health ?checks?", "hypercare", r"check-?ins?", "success plans?",
           r"value (?:review|realisation|realization)", r"usage (?:reviews?|reports?)", "retrospectives?",
           "nps", "feedback", r"post-?launch", r"after (?:go-?live|launch)", "expansion", "renewals?"),
    internal_description="Follow up after go-live: check usage against the goals agreed at kickoff, close open "
                         "questions, and hand over to the ongoing success plan.",
    customer_description="After launch we check in on how things are going, measure progress against your "
                         "goals and plan what comes next.",
    exit_criteria="Adoption review held; goals reviewed; the account handed over to the ongoing success plan.",
    steps=(
        Step(email(
            "First-week check-in", "How is your first week going?",
            "Hi {{contact_first_name}},\n\n"
            "It's been a few days since {{company_name}} went live. How is it going? Is there anything your "
            "team is stuck on, or anything you'd like us to look at?\n\n"
            "Your progress so far: {{onboarding_progress}} of onboarding tasks done.\n\n"
            "Best,\n{{csm_name}}", delay_hours=72)),
        Step(form(
            "Onboarding feedback",
            "How did onboarding go for {{company_name}}? Your answers help us improve.",
            choice_field("satisfaction", "How satisfied are you with your onboarding?",
                         ("Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"),
                         required=True),
            text_field("went_well", "What went well?", long=True),
            text_field("to_improve", "What could we have done better?", long=True))),
        Step(meeting(
            "Adoption review", "Adoption review: {{company_name}}",
            "1. Usage and adoption so far\n"
            "2. Progress against the goals set at kickoff\n"
            "3. Open questions and requests\n"
            "4. Next goals, and how we'll work together from here",
            minutes=45, attendees=("primary_contact", "csm", "ae"))),
        Step(email(
            "Onboarding complete", "Onboarding complete: what's next for {{company_name}}",
            "Hi {{contact_first_name}},\n\n"
            "With the adoption review done, {{company_name}}'s onboarding is complete. Thank you for a great "
            "collaboration!\n\n"
            "From here on I'll stay your point of contact for questions, new goals and regular reviews.\n\n"
            "Best regards,\n{{csm_name}}",
            delay_hours=168, description="Approve it after the adoption review.")),
    ),
)

# The order onboardings run in: paperwork and security start early because they take calendar time;
# setup comes before integrations and data, which need the configured workspace; testing before training.
PHASES = (KICKOFF, DISCOVERY, PAPERWORK, SECURITY, CONFIGURATION, BRANDING, INTEGRATIONS, DATA_MIGRATION,
          TESTING, TRAINING, GO_LIVE, ADOPTION)

# When a description names no phase at all, a standard plan between the kickoff and go-live.
DEFAULT_PHASES = ("configuration", "training")
ENTERPRISE_DEFAULT_PHASES = ("discovery", "security", "configuration", "training")

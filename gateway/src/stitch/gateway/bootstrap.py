"""The gateway's composition root: settings → adapters → use cases. Tests pass fakes instead."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from stitch.common.mail import BackgroundMailer, MaildirTransport, transport_from_url
from stitch.common.runtime import ServiceRuntime, build_runtime
from stitch.common.tokens import JwksSource, TokenVerifier
from stitch.gateway import config
from stitch.gateway.adapters.dns_txt import txt_lookup
from stitch.gateway.adapters.forwarder import Forwarder
from stitch.gateway.adapters.passwords import Argon2Passwords
from stitch.gateway.adapters.personal_domains import personal_email_domains
from stitch.gateway.adapters.readiness_probe import probe_all
from stitch.gateway.adapters.signing_keys import SigningKeys
from stitch.gateway.adapters.tables import metadata
from stitch.gateway.adapters.unit_of_work import GatewayUnitOfWork
from stitch.gateway.application import (
    api_keys, custom_domains, demo, invitations, organizations, password_reset, portal_principals, routing,
    sessions, signup, users,
)
from stitch.gateway.application.mails import LinkPolicy
from stitch.gateway.application.ports import Mailer, PasswordHasher
from stitch.gateway.application.tokens import TokenIssuer


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              keys: SigningKeys | None = None, clock: Callable[[], datetime] | None = None,
              probe: Callable[..., dict] | None = None, forwarder: Forwarder | None = None,
              passwords: PasswordHasher | None = None, dns: Callable[[str], list[str]] | None = None,
              mailer: Mailer | None = None) -> ServiceRuntime:
    settings = settings or config.load()
    clock = clock or (lambda: datetime.now(UTC))
    keys = keys or SigningKeys.load_or_create(settings.key_file)
    verifier = TokenVerifier(JwksSource.from_callable(keys.jwks), settings.token_issuer, settings.token_audience)
    runtime = build_runtime(settings, config.SERVICE_ROOT, metadata, GatewayUnitOfWork, uow=uow, verifier=verifier)
    new_uow = runtime.uow
    passwords = passwords or Argon2Passwords()
    dns = dns or txt_lookup()
    probe = probe or probe_all
    forwarder = forwarder or Forwarder(settings.proxy_timeout)
    tokens = TokenIssuer(keys, clock, settings.token_issuer, settings.token_audience, settings.portal_audience,
                         settings.access_token_ttl, settings.api_key_token_ttl)
    policy = sessions.SessionPolicy(idle=timedelta(days=settings.refresh_idle_days),
                                    absolute=timedelta(days=settings.refresh_absolute_days))
    cells = routing.Cells({s: settings.service_url(s) for s in config.SERVICES}, settings.other_cells())
    transport = transport_from_url(settings.mail_url, settings.mail_from, settings.var_dir)
    mailbox = transport.directory if isinstance(transport, MaildirTransport) else None
    mailer = mailer or BackgroundMailer(transport)
    links = LinkPolicy(settings.public_url, verify_ttl=timedelta(hours=settings.verify_link_hours),
                       reset_ttl=timedelta(minutes=settings.reset_link_minutes),
                       invitation_ttl=timedelta(days=settings.invitation_days))
    return dataclasses.replace(
        runtime,
        event_handlers={
            portal_principals.CONTACT_INVITED:
                lambda event, unit: portal_principals.when_contact_invited(event, unit, clock),
        },
        use_cases={
            "jwks": keys.jwks,
            "probe_services": lambda: probe({s: settings.service_url(s) for s in config.SERVICES}),
            "forward": forwarder.forward,
            # organizations and staff
            "create_organization": lambda command: organizations.create_organization(command, new_uow(), clock),
            "create_user": lambda command: organizations.create_user(command, new_uow(), passwords, clock),
            "get_organization": lambda org_id: organizations.get_organization(org_id, new_uow()),
            "update_organization": lambda org_id, **changes: organizations.update_organization(
                org_id, new_uow(), **changes),
            "list_users": lambda org_id, limit, after: users.list_users(org_id, limit, after, new_uow()),
            "get_user": lambda org_id, user_id: users.get_user(org_id, user_id, new_uow()),
            "update_user": lambda org_id, user_id, **changes: users.update_user(
                org_id, user_id, new_uow(), clock, **changes),
            "deactivate_user": lambda org_id, user_id: users.deactivate_user(org_id, user_id, new_uow(), clock),
            "update_profile": lambda org_id, user_id, **changes: users.update_profile(
                org_id, user_id, new_uow(), clock, **changes),
            "change_password": lambda org_id, user_id, current, new: users.change_password(
                org_id, user_id, current, new, new_uow(), passwords, mailer, links, clock),
            "user_standing": lambda org_id, user_id: users.standing(org_id, user_id, new_uow()),
            # day one: sign-up, password reset, invitations
            "request_signup": lambda email: signup.request_signup(email, new_uow(), mailer, links, clock,
                                                                  personal_email_domains()),
            "inspect_signup": lambda token: signup.inspect_signup(token, new_uow(), clock),
            "complete_signup": lambda command: signup.complete_signup(command, new_uow(), passwords, clock),
            "request_password_reset": lambda email: password_reset.request_reset(email, new_uow(), mailer, links,
                                                                                 clock),
            "check_reset_link": lambda token: password_reset.check_reset_link(token, new_uow(), clock),
            "reset_password": lambda token, password: password_reset.reset_password(
                token, password, new_uow(), passwords, mailer, links, clock),
            "invite": lambda org_id, invited_by, email, role: invitations.invite(
                org_id, invited_by, email, role, new_uow(), mailer, links, clock),
            "list_invitations": lambda org_id: invitations.list_invitations(org_id, new_uow()),
            "resend_invitation": lambda org_id, invitation_id: invitations.resend(
                org_id, invitation_id, new_uow(), mailer, links, clock),
            "revoke_invitation": lambda org_id, invitation_id: invitations.revoke(
                org_id, invitation_id, new_uow(), clock),
            "inspect_invitation": lambda token: invitations.inspect_invitation(token, new_uow(), clock),
            "accept_invitation": lambda command: invitations.accept(command, new_uow(), passwords, clock),
            "dev_mailbox_directory": lambda: mailbox,
            "now": clock,
            "seed_demo": lambda password: demo.seed_demo(password, config.DEMO_ORG_ID, config.DEMO_ADMIN_ID,
                                                         new_uow, passwords, clock),
            # sessions and credentials
            "login": lambda email, password: sessions.login(email, password, new_uow(), passwords, tokens,
                                                            policy, clock),
            "refresh": lambda raw: sessions.refresh(raw, new_uow(), tokens, policy, clock),
            "logout": lambda raw: sessions.logout(raw, new_uow(), clock),
            "create_api_key": lambda org_id, name, scopes, created_by: api_keys.create_api_key(
                org_id, name, scopes, created_by, new_uow(), clock),
            "list_api_keys": lambda org_id: api_keys.list_api_keys(org_id, new_uow()),
            "revoke_api_key": lambda org_id, key_id: api_keys.revoke_api_key(org_id, key_id, new_uow(), clock),
            "exchange_api_key": lambda value: api_keys.exchange_api_key(value, new_uow(), tokens, clock),
            "issue_portal_token": lambda principal_id: portal_principals.issue_portal_token(
                principal_id, new_uow(), tokens),
            # tenant routing
            "org_cell": lambda org_id: routing.org_cell(org_id, new_uow()),
            "portal_target": lambda host, path: routing.portal_target(host, path, settings.portal_domain, new_uow()),
            "custom_domain_org": lambda host: routing.custom_domain_org(host, new_uow()),
            "base_url": cells.base_url,
            "claim_domain": lambda org_id, domain: custom_domains.claim_domain(org_id, domain, new_uow(), clock),
            "list_domains": lambda org_id: custom_domains.list_domains(org_id, new_uow()),
            "verify_domain": lambda org_id, domain: custom_domains.verify_domain(org_id, domain, new_uow(), dns, clock),
            "release_domain": lambda org_id, domain: custom_domains.release_domain(org_id, domain, new_uow()),
        },
    )

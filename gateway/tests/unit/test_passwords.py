"""argon2id hashes, and rehashing on sign-in when the parameters were raised."""

from argon2 import PasswordHasher

from stitch.gateway.adapters.passwords import Argon2Passwords
from stitch.gateway.application.organizations import CreateOrganization, CreateUser
from stitch.gateway.bootstrap import bootstrap

PASSWORD = "correct horse battery staple"


def test_default_parameters_meet_owasp():
    params = PasswordHasher().hash(PASSWORD).split("$")[3]  # m=65536,t=3,p=4
    values = dict(part.split("=") for part in params.split(","))
    assert int(values["m"]) >= 19456 and int(values["t"]) >= 2
    assert Argon2Passwords().hash(PASSWORD).startswith("$argon2id$")


def test_a_legacy_hash_is_upgraded_on_the_next_sign_in(tmp_path, runtime_with, uow):
    weak = Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    old = runtime_with(passwords=weak)
    old.use_cases["create_organization"](CreateOrganization("Acme", "acme", "acme.com"))
    user = old.use_cases["create_user"](CreateUser("acme", "ann@acme.com", "Ann", "csm", PASSWORD))
    legacy_hash = user.password_hash

    stronger = runtime_with(passwords=Argon2Passwords(PasswordHasher(time_cost=2, memory_cost=128, parallelism=1)))
    stronger.use_cases["login"]("ann@acme.com", PASSWORD)
    [stored] = uow.state["users"].values()
    assert stored.password_hash != legacy_hash and "t=2" in stored.password_hash and "m=128" in stored.password_hash
    stronger.use_cases["login"]("ann@acme.com", PASSWORD)  # the new hash verifies


def test_a_wrong_password_does_not_rehash(runtime_with, uow):
    weak = runtime_with(passwords=Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)))
    weak.use_cases["create_organization"](CreateOrganization("Acme", "acme", "acme.com"))
    user = weak.use_cases["create_user"](CreateUser("acme", "ann@acme.com", "Ann", "csm", PASSWORD))
    stronger = runtime_with(passwords=Argon2Passwords(PasswordHasher(time_cost=2, memory_cost=128, parallelism=1)))
    try:
        stronger.use_cases["login"]("ann@acme.com", "not the password")
    except Exception:
        pass
    assert uow.state["users"][user.id].password_hash == user.password_hash


def test_short_passwords_are_refused_with_the_rule(runtime):
    runtime.use_cases["create_organization"](CreateOrganization("Acme", "acme", "acme.com"))
    try:
        runtime.use_cases["create_user"](CreateUser("acme", "ann@acme.com", "Ann", "csm", "short"))
    except ValueError as exc:
        assert exc.field == "password" and "12" in exc.rule
    else:
        raise AssertionError("a 5-character password was accepted")


def test_bootstrap_uses_argon2id_by_default(tmp_path, uow):
    from stitch.gateway import config
    runtime = bootstrap(config.load(var_dir=tmp_path), uow=lambda: uow, probe=lambda urls: {})
    runtime.use_cases["create_organization"](CreateOrganization("Acme", "acme", "acme.com"))
    user = runtime.use_cases["create_user"](CreateUser("acme", "ann@acme.com", "Ann", "csm", PASSWORD))
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")

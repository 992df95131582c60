import stat


def test_key_is_created_once_private_to_its_owner_and_reused(tmp_path):
    from stitch.gateway.adapters.signing_keys import SigningKeys

    path = tmp_path / "keys" / "signing-key.json"
    first = SigningKeys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKeys.load_or_create(path).kid == first.kid

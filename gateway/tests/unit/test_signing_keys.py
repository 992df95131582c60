import stat


def test_key_is_created_once_private_to_its_owner_and_reused(tmp_path):
    from stitch.gateway.adapters.signing_keys import SigningKeys

    path = tmp_path / "keys" / "signing-key.json"
    first = SigningKeys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKeys.load_or_create(path).kid == first.kid


def test_workers_racing_to_create_the_key_all_use_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from stitch.gateway.adapters.signing_keys import SigningKeys

    path = tmp_path / "signing-key.json"
    with ThreadPoolExecutor(8) as pool:
        kids = set(pool.map(lambda _: SigningKeys.load_or_create(path).kid, range(16)))
    assert len(kids) == 1 and not list(tmp_path.glob(".*.tmp"))

"""The HTTP edge over fakes: status codes, problem+json, roles. No sockets."""


def test_admin_creates_a_template(client, test_keys, uow):
    response = client.post("/api/templates/templates", json={"name": "Kick-off"}, headers=test_keys.bearer())
    assert response.status_code == 201
    assert response.get_json()["name"] == "Kick-off" and len(uow.published) == 1


def test_whitespace_name_is_a_field_error(client, test_keys):
    response = client.post("/api/templates/templates", json={"name": "   "}, headers=test_keys.bearer())
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert response.get_json()["errors"] == [{"name": "json.name", "reason": "must not be blank"}]


def test_only_admins_create_templates(client, test_keys, uow):
    response = client.post("/api/templates/templates", json={"name": "Kick-off"},
                           headers=test_keys.bearer(role="csm"))
    assert response.status_code == 403 and uow.published == []


def test_listing_pages_through_an_organizations_templates(client, test_keys):
    for name in ("A", "B", "C"):
        client.post("/api/templates/templates", json={"name": name}, headers=test_keys.bearer())
    client.post("/api/templates/templates", json={"name": "Other org"}, headers=test_keys.bearer(org="org-2"))
    first = client.get("/api/templates/templates?limit=2", headers=test_keys.bearer(role="viewer")).get_json()
    second = client.get(f"/api/templates/templates?limit=2&cursor={first['next_cursor']}",
                        headers=test_keys.bearer(role="viewer")).get_json()
    names = [t["name"] for t in first["items"] + second["items"]]
    assert sorted(names) == ["A", "B", "C"] and second["next_cursor"] is None


def test_anonymous_requests_are_refused(client):
    response = client.get("/api/templates/templates")
    assert response.status_code == 401 and response.content_type == "application/problem+json"


def test_an_api_key_token_without_read_scope_cannot_list(client, test_keys):
    response = client.get("/api/templates/templates", headers=test_keys.bearer(role="api_key", scope="manage_templates"))
    assert response.status_code == 403
    allowed = client.get("/api/templates/templates", headers=test_keys.bearer(role="api_key", scope="read"))
    assert allowed.status_code == 200

def test_home_lists_workspaces(client, make_workspace):
    make_workspace("hackney", "Hackney CVS")
    response = client.get("/")
    assert response.status_code == 200
    assert b"Hackney CVS" in response.data


def test_unknown_workspace_is_a_branded_404(client):
    response = client.get("/b/nowhere/")
    assert response.status_code == 404
    assert b"Connecting Londoners" in response.data

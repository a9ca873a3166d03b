CORE = "/ispyb/api/v1/core"


def test_person_lifecycle_and_lookups(client, factory):
    lab = factory.laboratory(name="ESRF SB")
    created = client.post(
        f"{CORE}/persons",
        json={
            "login": "jdoe",
            "familyName": "Doe",
            "givenName": "Jane",
            "emailAddress": "jane@example.org",
            "laboratoryId": lab.laboratoryId,
        },
    )
    assert created.status_code == 201, created.json
    for ref in (created.json["personId"], created.json["uuid"], "jdoe"):
        assert client.get(f"{CORE}/persons/{ref}").json["login"] == "jdoe"
    patched = client.patch(f"{CORE}/persons/jdoe", json={"phoneNumber": "+33 4 76"})
    assert patched.json["phoneNumber"] == "+33 4 76"


def test_person_filters(client, factory):
    factory.person(login="a1", familyName="Martin", givenName="Anne")
    factory.person(login="b2", familyName="Martinez", givenName="Bruno")
    factory.person(login="c3", familyName="Dupont", givenName="Claire")
    logins = lambda q: sorted(p["login"] for p in client.get(f"{CORE}/persons?{q}").json["results"])  # noqa: E731
    assert logins("login=b2") == ["b2"]
    assert logins("familyName=Martin") == ["a1"]
    assert logins("familyName.contains=Mart") == ["a1", "b2"]
    assert logins("givenName.contains=ire") == ["c3"]
    assert logins("login.in=a1,c3") == ["a1", "c3"]
    # LIKE wildcards are literal.
    assert logins("familyName.contains=%25") == []


def test_login_is_unique(client, factory):
    factory.person(login="taken")
    response = client.post(f"{CORE}/persons", json={"login": "taken", "familyName": "X"})
    assert response.status_code == 409
    assert response.json["code"] == "CONFLICT"
    assert "login" in response.json["details"]


def test_laboratories(client):
    created = client.post(
        f"{CORE}/laboratories", json={"name": "MAX IV Lab", "city": "Lund", "country": "Sweden"}
    )
    assert created.status_code == 201
    lab = created.json
    assert client.get(f"{CORE}/laboratories/{lab['uuid']}").json["city"] == "Lund"
    assert client.get(f"{CORE}/laboratories?country=Sweden").json["total"] == 1
    assert client.get(f"{CORE}/laboratories?name.contains=MAX").json["total"] == 1
    changed = client.patch(f"{CORE}/laboratories/{lab['laboratoryId']}", json={"postcode": "22484"})
    assert changed.json["postcode"] == "22484"


def test_lab_contacts(client, factory):
    proposal = factory.proposal()
    person = factory.person(login="shipper")
    url = f"{CORE}/lab-contacts"
    body = {
        "proposalId": proposal.proposalId,
        "personId": person.personId,
        "cardName": "Shipper card",
        "defaultCourrierCompany": "FedEx",
    }
    created = client.post(url, json=body)
    assert created.status_code == 201, created.json
    assert created.json["person"]["login"] == "shipper"
    assert created.json["dewarAvgCustomsValue"] == 0
    duplicate = client.post(url, json=body)
    assert duplicate.status_code == 409
    assert client.get(f"{url}?proposalId={proposal.proposalId}").json["total"] == 1
    contact = created.json
    changed = client.patch(f"{url}/{contact['uuid']}", json={"courierAccount": "12345"})
    assert changed.status_code == 200
    assert changed.json["courierAccount"] == "12345"
    assert changed.json["person"]["login"] == "shipper"

"""Free-text ``search=`` on core's main lists (docs/api-conventions.md): every word must
begin one of the list's declared columns, without case; on both backends."""

import pytest

from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"


def found(client, path, search, key):
    response = client.get(f"{CORE}{path}", query_string={"search": search, "limit": 100})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["total"] == len(body["results"])
    return sorted(row[key] for row in body["results"])


@pytest.fixture
def people(factory):
    return {
        "ada": factory.person(
            familyName="Lovelace", givenName="Ada", login="alove", emailAddress="ada@x.org"
        ),
        "alan": factory.person(
            familyName="Turing", givenName="Alan", login="aturing", emailAddress="alan@y.org"
        ),
        "grace": factory.person(
            familyName="Hopper", givenName="Grace", login="ghop", emailAddress="g_h@x.org"
        ),
    }


def test_persons_by_name_login_or_email(client, people):
    ids = {name: person.personId for name, person in people.items()}
    path = "/persons"
    assert found(client, path, "lovelace", "personId") == [ids["ada"]]
    assert found(client, path, "LOVE", "personId") == [ids["ada"]]  # login and family name
    assert found(client, path, "a", "personId") == sorted([ids["ada"], ids["alan"]])
    assert found(client, path, "ada tur", "personId") == []  # every word must match
    assert found(client, path, "alan tur", "personId") == [ids["alan"]]
    assert found(client, path, "  Grace   hop ", "personId") == [ids["grace"]]
    assert found(client, path, "alan@", "personId") == [ids["alan"]]
    # Only a prefix: not a word inside a value.
    assert found(client, path, "ring", "personId") == []
    # LIKE's wildcards are the text's own characters.
    assert found(client, path, "g_", "personId") == [ids["grace"]]
    assert found(client, path, "%", "personId") == []


def test_proposals_by_code_number_name_or_title(client, factory):
    lyso = factory.proposal(proposalCode="mx", proposalNumber="1234", title="Lysozyme soaks")
    other = factory.proposal(proposalCode="cm", proposalNumber="5678", title="Thaumatin")
    path = "/proposals"
    assert found(client, path, "mx1234", "proposalId") == [lyso.proposalId]
    assert found(client, path, "MX12", "proposalId") == [lyso.proposalId]
    assert found(client, path, "567", "proposalId") == [other.proposalId]
    assert found(client, path, "lyso", "proposalId") == [lyso.proposalId]
    assert found(client, path, "cm thau", "proposalId") == [other.proposalId]
    assert found(client, path, "cm lyso", "proposalId") == []
    assert found(client, path, "mx5678", "proposalId") == []


def test_sessions_by_beamline_proposal_or_visit(client, factory):
    mx = factory.proposal(proposalCode="mx", proposalNumber="1234")
    cm = factory.proposal(proposalCode="cm", proposalNumber="5678")
    i03 = factory.session(proposalId=mx.proposalId, beamLineName="i03", visit_number=1)
    i04 = factory.session(proposalId=mx.proposalId, beamLineName="i04-1", visit_number=2)
    cm_i03 = factory.session(proposalId=cm.proposalId, beamLineName="i03", visit_number=1)
    path = "/sessions"
    assert found(client, path, "I03", "sessionId") == sorted([i03.sessionId, cm_i03.sessionId])
    assert found(client, path, "mx1234", "sessionId") == sorted([i03.sessionId, i04.sessionId])
    assert found(client, path, "mx i04", "sessionId") == [i04.sessionId]
    assert found(client, path, "5678", "sessionId") == [cm_i03.sessionId]
    assert found(client, path, "mx1234-2", "sessionId") == [i04.sessionId]
    assert found(client, path, "cm5678-2", "sessionId") == []


def test_samples_by_name_or_protein_acronym(client, factory):
    proposal = factory.proposal()
    lyso = factory.protein(proposalId=proposal.proposalId, acronym="LYSO", name="Lysozyme")
    thau = factory.protein(proposalId=proposal.proposalId, acronym="thau", name="Thaumatin")

    def sample(name, protein):
        return factory.sample(name=name, crystalId=factory.crystal(proteinId=protein).crystalId)

    a = sample("lyso_x1", lyso.proteinId)
    b = sample("xtal2", lyso.proteinId)
    c = sample("xtal3", thau.proteinId)
    path = "/samples"
    assert found(client, path, "lyso", "blSampleId") == sorted([a.blSampleId, b.blSampleId])
    assert found(client, path, "xtal", "blSampleId") == sorted([b.blSampleId, c.blSampleId])
    assert found(client, path, "thau xtal", "blSampleId") == [c.blSampleId]
    # A sample matched twice (its name and its acronym) is listed once.
    assert found(client, path, "lyso_", "blSampleId") == [a.blSampleId]
    proteins = "/proteins"
    assert found(client, proteins, "lyso", "proteinId") == [lyso.proteinId]
    assert found(client, proteins, "thaumat", "proteinId") == [thau.proteinId]


def test_shipments_by_name(client, factory):
    first = factory.shipment(shippingName="Run 12 pucks")
    factory.shipment(shippingName="Other")
    assert found(client, "/shipments", "RUN", "shippingId") == [first.shippingId]
    # A word begins a value: "12" is inside the name, not at its start.
    assert found(client, "/shipments", "run 12", "shippingId") == []


def test_data_collections_by_directory_template_or_comments(client, factory):
    group = factory.data_collection_group(factory.session())
    a = factory.data_collection(
        group,
        imageDirectory="/dls/i03/data/2026/mx1234-1/",
        imagePrefix="lyso_1",
        fileTemplate="lyso_1_####.cbf",
        comments="Good diffraction",
    )
    b = factory.data_collection(
        group,
        imageDirectory="/dls/i04/data/2026/mx1234-1/",
        imagePrefix="thau_2",
        fileTemplate="thau_2_master.h5",
        comments="ice rings",
    )
    path = "/data-collections"
    key = "dataCollectionId"
    assert found(client, path, "/dls/i03", key) == [a.dataCollectionId]
    assert found(client, path, "thau_2_m", key) == [b.dataCollectionId]
    assert found(client, path, "good", key) == [a.dataCollectionId]
    assert found(client, path, "/dls ice", key) == [b.dataCollectionId]
    # The search combines with filters, sorting and keyset pages.
    both = client.get(
        f"{CORE}{path}", query_string={"search": "/dls", "sort": "-dataCollectionId", "limit": 1}
    ).json
    assert both["total"] == 2 and [r[key] for r in both["results"]] == [b.dataCollectionId]
    rest = client.get(both["links"]["next"]).json
    assert [r[key] for r in rest["results"]] == [a.dataCollectionId]
    assert rest["links"]["next"] is None


@pytest.mark.parametrize(
    "search, message",
    [("", "empty"), ("   ", "empty"), ("x" * 101, "100"), ("a b c d e f", "5 words")],
)
def test_a_bad_search_is_refused_naming_it(client, search, message):
    for path in ("/persons", "/data-collections", "/sessions"):
        response = client.get(f"{CORE}{path}", query_string={"search": search})
        assert_refused(response, 400, "INVALID_PARAMETER", "search")
        assert message in " ".join(response.json["details"]["search"])


def test_a_list_without_search_refuses_it(client):
    response = client.get(f"{CORE}/lab-contacts", query_string={"search": "x"})
    assert_refused(response, 400, "INVALID_PARAMETER", "search")


@pytest.mark.parametrize(
    "path, search",
    [
        ("/proposals", "mx lyso"),
        ("/sessions", "i03 mx"),
        ("/persons", "family"),
        ("/samples", "sample prot"),
        ("/proteins", "prot"),
        ("/shipments", "shipment"),
        ("/data-collections", "/dls xtal"),
    ],
)
def test_a_search_adds_no_query(client, core_db, factory, path, search):
    from ispyb_shared.testing import count_queries

    proposal = factory.proposal(proposalCode="mx", title="lysozyme")
    session = factory.session(proposalId=proposal.proposalId)
    group = factory.data_collection_group(session)
    for n in range(30):
        factory.sample()
        factory.shipment(proposalId=proposal.proposalId)
        factory.data_collection(group, imageDirectory=f"/dls/{n}/", imagePrefix=f"xtal{n}")
    counts = {}
    for query in ("limit=2", "limit=25", f"limit=2&search={search}", f"limit=25&search={search}"):
        with count_queries(core_db.engine) as counter:
            response = client.get(f"{CORE}{path}?{query}")
        assert response.status_code == 200, response.json
        if "search" in query:
            assert response.json["total"] >= 1, query
        counts[query] = counter.count
    assert len(set(counts.values())) == 1, counts

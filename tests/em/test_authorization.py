"""The authorization matrix of em: every endpoint and every kind of caller gets exactly the
answer documented in docs/authorization.md (EM section), and nothing of a data collection
the caller may not see leaks. Core's decision is the real core's (in-process:
tests/support/in_process.py), which applies core's rules."""

from __future__ import annotations

import itertools

import pytest

from tests.em.support import EM, EMFactory

_fresh = itertools.count(1000)


class MatrixWorld:
    """Data collection ``dc`` (session on m02, member 'member') with a row of every kind;
    ``other_dc`` (m03, member 'outsider')."""

    def __init__(self, app, core):
        self.factory = f = EMFactory(app.extensions["ispyb_database"])
        self.dc = core.add_data_collection(members=("member",), beamline="m02")
        self.other_dc = core.add_data_collection(members=("outsider",), beamline="m03")
        self.group_uuid = core.groups[self.dc]
        self.program = f.program(self.dc, processingPrograms="MotionCor2")
        self.movie = f.movie(self.dc, 1, self.program)
        from ispyb_em.classification.models import ParticleClassification, ParticlePicker
        from ispyb_em.motion_correction.models import CTF, MotionCorrection, RelativeIceThickness

        (self.motion,) = f.rows_of(MotionCorrection, movieId=self.movie.movieId)
        (self.ctf,) = f.rows_of(CTF, motionCorrectionId=self.motion.motionCorrectionId)
        (self.ice,) = f.rows_of(
            RelativeIceThickness, motionCorrectionId=self.motion.motionCorrectionId
        )
        (self.picker,) = f.rows_of(
            ParticlePicker, firstMotionCorrectionId=self.motion.motionCorrectionId
        )
        self.group = f.classification(self.program)
        self.classes = f.rows_of(
            ParticleClassification,
            particleClassificationGroupId=self.group.particleClassificationGroupId,
        )
        self.model = f.initial_model([c.particleClassificationId for c in self.classes])
        self.tomogram = f.tomogram(self.dc)
        self.alignment = f.tilt_alignment(self.movie, self.tomogram)
        self.atlas, self.square, self.hole = f.grid(self.dc, self.group_uuid)

    def new_movie(self):
        return self.factory.movie(self.dc, next(_fresh), self.program)

    def batch(self):
        number = next(_fresh)
        return {
            "records": [
                {
                    "dataCollectionUUID": self.dc,
                    "movieNumber": number,
                    "motionCorrection": {
                        "autoProcProgramId": self.program.autoProcProgramId,
                        "totalMotion": 5.0,
                    },
                    "ctf": {
                        "autoProcProgramId": self.program.autoProcProgramId,
                        "estimatedDefocus": 15000.0,
                    },
                }
            ]
        }


CALLERS = {
    "anonymous": lambda tokens: {},
    "outsider": lambda tokens: tokens.user("outsider"),
    "member": lambda tokens: tokens.user("member"),
    "staff": lambda tokens: tokens.user("frank", "staff"),
    "staff-m03": lambda tokens: tokens.user("heidi", "staff", beamlines=["m03"]),
    "admin": lambda tokens: tokens.user("root", "admin"),
    "pipeline": lambda tokens: tokens.machine("pipeline", "em:write", "core:read"),
    "writer-without-core-read": lambda tokens: tokens.machine("writer", "em:write"),
    "reader": lambda tokens: tokens.machine("reader", "em:read", "core:read"),
    "core-reader": lambda tokens: tokens.machine("core-reader", "core:read"),
}


def expect(
    outsider,
    member,
    staff,
    staff_m03,
    admin,
    pipeline,
    writer_without_core_read,
    reader,
    core_reader,
    anonymous=401,
):
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "staff": staff,
        "staff-m03": staff_m03,
        "admin": admin,
        "pipeline": pipeline,
        "writer-without-core-read": writer_without_core_read,
        "reader": reader,
        "core-reader": core_reader,
    }


# Reading a row of dc: users through core's visibility; clients with em:read (and core:read,
# which core needs to answer em's question).
READ_ONE = expect(404, 200, 200, 404, 200, 403, 403, 200, 403)
# Lists answer 200 with only what the caller may see.
READ_LIST = expect(200, 200, 200, 200, 200, 403, 403, 200, 403)
# Writing: pipelines with em:write (and core:read), staff, admin; a reference to what the
# caller cannot see is a 422 naming the field, like a missing row.
CREATE = expect(403, 403, 201, 422, 201, 201, 403, 403, 403)
CHANGE = expect(403, 403, 200, 404, 200, 200, 403, 403, 403)
# The matrix's em serves no files (no files.roots): readers who see the row get 404 too
# (serving them: tests/em/test_files.py).
FILE_NOT_SERVED = expect(404, 404, 404, 404, 404, 403, 403, 404, 403)
OPEN = expect(*[200] * 9, anonymous=200)


def dc_list(path):
    return lambda w: f"{path}?dataCollectionUUID={w.dc}"


# name: (method, url(w), body(w) or None, expected answers)
MATRIX = {
    # monitoring
    "summary": ("get", lambda w: f"/data-collections/{w.dc}/summary", None, READ_ONE),
    "histogram": (
        "get",
        lambda w: f"/data-collections/{w.dc}/histogram?field=totalMotion",
        None,
        READ_ONE,
    ),
    "series": ("get", lambda w: f"/data-collections/{w.dc}/movies", None, READ_ONE),
    # ingestion
    "ingest batch": ("post", lambda w: "/movies/batch", lambda w: w.batch(), CREATE),
    "get movie": ("get", lambda w: f"/movies/{w.movie.movieId}", None, READ_ONE),
    "get motion correction": (
        "get",
        lambda w: f"/motion-corrections/{w.motion.uuid}",
        None,
        READ_ONE,
    ),
    "motion correction file": (
        "get",
        lambda w: f"/motion-corrections/{w.motion.uuid}/micrograph",
        None,
        FILE_NOT_SERVED,
    ),
    "motion correction file url": (
        "get",
        lambda w: f"/motion-corrections/{w.motion.uuid}/drift-plot/url",
        None,
        FILE_NOT_SERVED,
    ),
    "power spectrum": (
        "get",
        lambda w: f"/ctfs/{w.ctf.ctfId}/power-spectrum",
        None,
        FILE_NOT_SERVED,
    ),
    "power spectrum url": (
        "get",
        lambda w: f"/ctfs/{w.ctf.ctfId}/power-spectrum/url",
        None,
        FILE_NOT_SERVED,
    ),
    "class image": (
        "get",
        lambda w: f"/particle-classifications/{w.classes[0].uuid}/image",
        None,
        FILE_NOT_SERVED,
    ),
    "class image url": (
        "get",
        lambda w: f"/particle-classifications/{w.classes[0].uuid}/image/url",
        None,
        FILE_NOT_SERVED,
    ),
    "get ctf": ("get", lambda w: f"/ctfs/{w.ctf.ctfId}", None, READ_ONE),
    "get ice thickness": (
        "get",
        lambda w: f"/relative-ice-thicknesses/{w.ice.relativeIceThicknessId}",
        None,
        READ_ONE,
    ),
    # program runs
    "list programs": ("get", dc_list("/programs"), None, READ_LIST),
    "create program": (
        "post",
        lambda w: "/programs",
        lambda w: {"dataCollectionUUID": w.dc},
        CREATE,
    ),
    "get program": ("get", lambda w: f"/programs/{w.program.uuid}", None, READ_ONE),
    "change program": (
        "patch",
        lambda w: f"/programs/{w.program.autoProcProgramId}",
        lambda w: {"processingStatus": True},
        CHANGE,
    ),
    # particles
    "list pickers": ("get", dc_list("/particle-pickers"), None, READ_LIST),
    "create picker": (
        "post",
        lambda w: "/particle-pickers",
        lambda w: {"programId": w.program.autoProcProgramId, "numberOfParticles": 5},
        CREATE,
    ),
    "get picker": ("get", lambda w: f"/particle-pickers/{w.picker.uuid}", None, READ_ONE),
    "list classification groups": (
        "get",
        dc_list("/particle-classification-groups"),
        None,
        READ_LIST,
    ),
    "create classification group": (
        "post",
        lambda w: "/particle-classification-groups",
        lambda w: {
            "programId": w.program.autoProcProgramId,
            "type": "2D",
            "classes": [{"classNumber": 1}],
        },
        CREATE,
    ),
    "get classification group": (
        "get",
        lambda w: f"/particle-classification-groups/{w.group.particleClassificationGroupId}",
        None,
        READ_ONE,
    ),
    "list classes": ("get", dc_list("/particle-classifications"), None, READ_LIST),
    "get class": (
        "get",
        lambda w: f"/particle-classifications/{w.classes[0].uuid}",
        None,
        READ_ONE,
    ),
    "select class": (
        "patch",
        lambda w: f"/particle-classifications/{w.classes[0].particleClassificationId}",
        lambda w: {"selected": True},
        CHANGE,
    ),
    "list initial models": ("get", dc_list("/cryoem-initial-models"), None, READ_LIST),
    "create initial model": (
        "post",
        lambda w: "/cryoem-initial-models",
        lambda w: {"particleClassificationIds": [w.classes[1].particleClassificationId]},
        CREATE,
    ),
    "get initial model": (
        "get",
        lambda w: f"/cryoem-initial-models/{w.model.cryoemInitialModelId}",
        None,
        READ_ONE,
    ),
    # tomography
    "list tomograms": ("get", dc_list("/tomograms"), None, READ_LIST),
    "create tomogram": (
        "post",
        lambda w: "/tomograms",
        lambda w: {"dataCollectionUUID": w.dc, "sizeX": 5},
        CREATE,
    ),
    "get tomogram": ("get", lambda w: f"/tomograms/{w.tomogram.tomogramId}", None, READ_ONE),
    "tomogram file": (
        "get",
        lambda w: f"/tomograms/{w.tomogram.uuid}/central-slice",
        None,
        FILE_NOT_SERVED,
    ),
    "tomogram file url": (
        "get",
        lambda w: f"/tomograms/{w.tomogram.tomogramId}/projection-xy/url",
        None,
        FILE_NOT_SERVED,
    ),
    "list tilt alignments": ("get", dc_list("/tilt-image-alignments"), None, READ_LIST),
    "tilt power spectrum": (
        "get",
        lambda w: f"/tilt-image-alignments/{w.alignment.uuid}/power-spectrum",
        None,
        FILE_NOT_SERVED,
    ),
    "tilt power spectrum url": (
        "get",
        lambda w: f"/tilt-image-alignments/{w.alignment.uuid}/power-spectrum/url",
        None,
        FILE_NOT_SERVED,
    ),
    "atlas image": ("get", lambda w: f"/atlases/{w.atlas.atlasId}/image", None, FILE_NOT_SERVED),
    "atlas image url": (
        "get",
        lambda w: f"/atlases/{w.atlas.uuid}/image/url",
        None,
        FILE_NOT_SERVED,
    ),
    "grid square image": (
        "get",
        lambda w: f"/grid-squares/{w.square.gridSquareId}/image",
        None,
        FILE_NOT_SERVED,
    ),
    "grid square image url": (
        "get",
        lambda w: f"/grid-squares/{w.square.uuid}/image/url",
        None,
        FILE_NOT_SERVED,
    ),
    "foil hole image": (
        "get",
        lambda w: f"/foil-holes/{w.hole.foilHoleId}/image",
        None,
        FILE_NOT_SERVED,
    ),
    "foil hole image url": (
        "get",
        lambda w: f"/foil-holes/{w.hole.uuid}/image/url",
        None,
        FILE_NOT_SERVED,
    ),
    "create tilt alignment": (
        "post",
        lambda w: "/tilt-image-alignments",
        lambda w: {"movieId": w.new_movie().movieId, "tomogramId": w.tomogram.tomogramId},
        CREATE,
    ),
    "get tilt alignment": (
        "get",
        lambda w: f"/tilt-image-alignments/{w.alignment.uuid}",
        None,
        READ_ONE,
    ),
    # grids
    "list atlases": ("get", dc_list("/atlases"), None, READ_LIST),
    "create atlas": (
        "post",
        lambda w: "/atlases",
        lambda w: {"dataCollectionUUID": w.dc, "atlasImage": "/a.jpg", "pixelSize": 2.0},
        CREATE,
    ),
    "get atlas": ("get", lambda w: f"/atlases/{w.atlas.atlasId}", None, READ_ONE),
    "list grid squares": ("get", dc_list("/grid-squares"), None, READ_LIST),
    "create grid square": (
        "post",
        lambda w: "/grid-squares",
        lambda w: {"atlasId": w.atlas.atlasId},
        CREATE,
    ),
    "get grid square": ("get", lambda w: f"/grid-squares/{w.square.uuid}", None, READ_ONE),
    "list foil holes": ("get", dc_list("/foil-holes"), None, READ_LIST),
    "create foil hole": (
        "post",
        lambda w: "/foil-holes",
        lambda w: {"gridSquareId": w.square.gridSquareId, "foilHoleLabel": "FH2"},
        CREATE,
    ),
    "get foil hole": ("get", lambda w: f"/foil-holes/{w.hole.foilHoleId}", None, READ_ONE),
    # open to everyone
    "health": ("get", lambda w: "/health", None, OPEN),
    "ready": ("get", lambda w: "/ready", None, OPEN),
    "metrics": ("get", lambda w: "/metrics", None, OPEN),
    "swagger": ("get", lambda w: "/swagger.json", None, OPEN),
    "openapi": ("get", lambda w: "/openapi.json", None, OPEN),
    "swagger ui": ("get", lambda w: "/docs", None, OPEN),
    "api root": ("get", lambda w: "/", None, expect(*[302] * 9, anonymous=302)),
}


@pytest.fixture
def matrix_world(em_app, em_core):
    return MatrixWorld(em_app, em_core)


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(MATRIX))
def test_authorization_matrix(em_app, matrix_world, tokens, operation, caller):
    method, url, body, expected = MATRIX[operation]
    client = em_app.test_client()
    kwargs = {"headers": CALLERS[caller](tokens)}
    if body is not None:
        kwargs["json"] = body(matrix_world)
    response = getattr(client, method)(EM + url(matrix_world), **kwargs)
    assert response.status_code == expected[caller], (operation, caller, response.json)
    if response.status_code >= 400:
        assert response.json["code"] in {
            "UNAUTHORIZED",
            "FORBIDDEN",
            "NOT_FOUND",
            "VALIDATION_ERROR",
        }
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_every_em_operation_is_in_the_matrix(em_app, matrix_world):
    """A new endpoint cannot be added without deciding who may call it."""
    adapter = em_app.url_map.bind("localhost")
    covered = {
        (
            method.upper(),
            adapter.match(
                EM + url(matrix_world).split("?")[0], method=method.upper(), return_rule=True
            )[0].rule,
        )
        for method, url, _body, _expected in MATRIX.values()
    }
    served = {
        (method, rule.rule)
        for rule in em_app.url_map.iter_rules()
        if rule.rule.startswith(EM) and "swaggerui" not in rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - covered == set()


LISTS = [
    "/programs",
    "/particle-pickers",
    "/particle-classification-groups",
    "/particle-classifications",
    "/cryoem-initial-models",
    "/tomograms",
    "/tilt-image-alignments",
    "/atlases",
    "/grid-squares",
    "/foil-holes",
]


def test_nothing_of_another_data_collection_leaks(em_app, matrix_world, tokens):
    """The outsider asks for every list of dc (and of both data collections): nothing."""
    client = em_app.test_client()
    headers = tokens.user("outsider")
    w = matrix_world
    for path in LISTS:
        for query in (
            f"dataCollectionUUID={w.dc}",
            f"dataCollectionUUID.in={w.dc},{w.other_dc}",
        ):
            response = client.get(f"{EM}{path}?{query}", headers=headers)
            assert response.status_code == 200, (path, response.json)
            assert response.json["total"] == 0 and response.json["results"] == [], path
    member = tokens.user("member")
    for path in LISTS:
        seen = client.get(f"{EM}{path}?dataCollectionUUID={w.dc}", headers=member).json
        assert seen["total"] >= 1, path


def test_a_session_member_sees_only_while_core_says_so(em_app, matrix_world, em_core, tokens):
    """em keeps no membership of its own: core's answer decides (once it is not cached)."""
    client = em_app.test_client()
    headers = tokens.user("member")
    summary = f"{EM}/data-collections/{matrix_world.dc}/summary"
    assert client.get(summary, headers=headers).status_code == 200
    em_core.remove_member(matrix_world.dc, "member")
    em_app.extensions["em_core_client"].clear_cache()
    assert client.get(summary, headers=headers).status_code == 404

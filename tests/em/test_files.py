"""em's images (micrographs, drift plots, power spectra, class images): to whoever core
lets see the data collection, or to a signed URL one of them asked for."""

import io

import pytest
from PIL import Image

from tests.em.support import EM, EMFactory

SECRET = "em-test-signing-secret-0123456789"


@pytest.fixture
def images(em_app, world, tmp_path, monkeypatch):
    from ispyb_em.classification.models import ParticleClassification, ParticleClassificationGroup
    from ispyb_em.motion_correction.models import CTF, MotionCorrection
    from ispyb_em.movies.models import Movie

    root = tmp_path / "em-data"
    root.mkdir()
    Image.new("L", (256, 256), 128).save(root / "micrograph.jpg", "JPEG")
    Image.new("RGB", (100, 50), (0, 0, 0)).save(root / "drift.png", "PNG")
    Image.new("L", (128, 128), 60).save(root / "ctf.png", "PNG")
    Image.new("L", (64, 64), 200).save(root / "class1.png", "PNG")
    files = {
        "roots": [str(root)],
        "signing_secret": SECRET,
        "url_seconds": 60,
        "thumbnail_cache": str(tmp_path / "thumbs"),
    }
    monkeypatch.setitem(em_app.config["ISPYB_CONFIG"], "files", files)
    factory = EMFactory(em_app.extensions["ispyb_database"])
    program = factory.program(world.dc, processingPrograms="MotionCor2")
    movie = factory._save(Movie(dataCollectionUUID=world.dc, movieNumber=1))
    motion = factory._save(
        MotionCorrection(
            movieId=movie.movieId,
            autoProcProgramId=program.autoProcProgramId,
            micrographFullPath=str(root / "micrograph.jpg"),
            driftPlotFullPath=str(root / "drift.png"),
            fftFullPath="/etc/passwd",
        )
    )
    ctf = factory._save(
        CTF(
            motionCorrectionId=motion.motionCorrectionId,
            autoProcProgramId=program.autoProcProgramId,
            fftTheoreticalFullPath=str(root / "ctf.png"),
        )
    )
    group = factory._save(
        ParticleClassificationGroup(programId=program.autoProcProgramId, type="2D")
    )
    klass = factory._save(
        ParticleClassification(
            particleClassificationGroupId=group.particleClassificationGroupId,
            classNumber=1,
            classImageFullPath=str(root / "class1.png"),
        )
    )
    return {
        "micrograph": f"/motion-corrections/{motion.motionCorrectionId}/micrograph",
        "drift": f"/motion-corrections/{motion.motionCorrectionId}/drift-plot",
        "fft": f"/motion-corrections/{motion.motionCorrectionId}/fft",
        "snapshot": f"/motion-corrections/{motion.motionCorrectionId}/micrograph-snapshot",
        "power": f"/ctfs/{ctf.ctfId}/power-spectrum",
        "class": f"/particle-classifications/{klass.particleClassificationId}/image",
    }


@pytest.mark.parametrize(
    ("which", "mimetype"),
    [
        ("micrograph", "image/jpeg"),
        ("drift", "image/png"),
        ("power", "image/png"),
        ("class", "image/png"),
    ],
)
def test_members_get_the_images(world, images, which, mimetype):
    response = world.get(images[which])
    assert response.status_code == 200, response.json
    assert response.mimetype == mimetype
    thumbnail = world.get(f"{images[which]}?width=32")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"


def test_another_proposal_gets_404(world, images, tokens):
    outsider = tokens.user("outsider")
    for path in images.values():
        assert world.get(path, headers=outsider).status_code == 404


def test_files_outside_the_roots_or_absent_are_404(world, images):
    assert world.get(images["fft"]).status_code == 404
    assert world.get(images["snapshot"]).status_code == 404
    assert world.get("/motion-corrections/1/not-a-kind").status_code == 404


def test_signed_urls(world, images, em_app):
    anonymous = em_app.test_client()
    assert anonymous.get(EM + images["class"]).status_code == 401
    url = world.get(images["class"] + "/url?width=48").json["url"]
    response = anonymous.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    query = url.split("?", 1)[1]
    assert anonymous.get(f"{EM}{images['power']}?{query}").status_code == 403
    assert anonymous.get(url.replace("width=48", "width=64")).status_code == 403
    outsider = world.tokens.user("outsider")
    assert world.get(images["class"] + "/url", headers=outsider).status_code == 404


@pytest.fixture
def tomography_and_grids(em_app, world, tmp_path, monkeypatch):
    """A tomogram (files by full path and by a name in its fileDirectory, one outside the
    roots, one escaping them with ..), a tilt alignment, an atlas, a grid square and a
    foil hole, with their images under the root."""
    from ispyb_em.grids.models import Atlas, FoilHole, GridSquare
    from ispyb_em.movies.models import Movie
    from ispyb_em.tomography.models import TiltImageAlignment, Tomogram

    root = tmp_path / "em-data"
    (root / "tomo").mkdir(parents=True)
    Image.new("L", (200, 200), 90).save(root / "tomo" / "slice.png", "PNG")
    Image.new("L", (200, 100), 30).save(root / "tomo" / "proj_xy.jpg", "JPEG")
    (root / "tomo" / "movie.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    Image.new("L", (64, 64), 10).save(root / "psd.png", "PNG")
    Image.new("L", (300, 300), 120).save(root / "atlas.jpg", "JPEG")
    Image.new("L", (100, 100), 140).save(root / "square.jpg", "JPEG")
    Image.new("L", (50, 50), 160).save(root / "hole.jpg", "JPEG")
    (tmp_path / "outside.png").write_bytes((root / "psd.png").read_bytes())
    (root / "escape.png").symlink_to(tmp_path / "outside.png")
    files = {
        "roots": [str(root)],
        "signing_secret": SECRET,
        "url_seconds": 60,
        "thumbnail_cache": str(tmp_path / "thumbs"),
    }
    monkeypatch.setitem(em_app.config["ISPYB_CONFIG"], "files", files)
    factory = EMFactory(em_app.extensions["ispyb_database"])
    program = factory.program(world.dc, processingPrograms="AreTomo")
    movie = factory._save(Movie(dataCollectionUUID=world.dc, movieNumber=1))
    tomogram = factory._save(
        Tomogram(
            dataCollectionUUID=world.dc,
            autoProcProgramId=program.autoProcProgramId,
            fileDirectory=str(root / "tomo"),
            centralSliceImage=str(root / "tomo" / "slice.png"),
            projXY="proj_xy.jpg",  # a name in fileDirectory
            projXZ="../../outside.png",  # leaves the roots
            xyShiftPlot=str(root / "escape.png"),  # a symlink out of the roots
            tomogramMovie="movie.mp4",
        )
    )
    alignment = factory._save(
        TiltImageAlignment(
            movieId=movie.movieId, tomogramId=tomogram.tomogramId, psdFile=str(root / "psd.png")
        )
    )
    atlas = factory._save(
        Atlas(
            dataCollectionUUID=world.dc,
            dataCollectionGroupUUID=world.core.groups[world.dc],
            atlasImage=str(root / "atlas.jpg"),
            pixelSize=100.0,
        )
    )
    square = factory._save(
        GridSquare(
            atlasId=atlas.atlasId, gridSquareLabel=1, gridSquareImage=str(root / "square.jpg")
        )
    )
    hole = factory._save(
        FoilHole(
            gridSquareId=square.gridSquareId,
            foilHoleLabel="FH1",
            foilHoleImage=str(root / "hole.jpg"),
        )
    )
    bare_hole = factory._save(FoilHole(gridSquareId=square.gridSquareId, foilHoleLabel="FH2"))
    t = tomogram.uuid
    return {
        "slice": f"/tomograms/{t}/central-slice",
        "projection": f"/tomograms/{tomogram.tomogramId}/projection-xy",
        "movie": f"/tomograms/{t}/movie",
        "outside": f"/tomograms/{t}/projection-xz",
        "escape": f"/tomograms/{t}/xy-shift-plot",
        "power": f"/tilt-image-alignments/{alignment.uuid}/power-spectrum",
        "atlas": f"/atlases/{atlas.atlasId}/image",
        "square": f"/grid-squares/{square.uuid}/image",
        "hole": f"/foil-holes/{hole.foilHoleId}/image",
        "no-image": f"/foil-holes/{bare_hole.foilHoleId}/image",
    }


@pytest.mark.parametrize(
    ("which", "mimetype"),
    [
        ("slice", "image/png"),
        ("projection", "image/jpeg"),
        ("power", "image/png"),
        ("atlas", "image/jpeg"),
        ("square", "image/jpeg"),
        ("hole", "image/jpeg"),
    ],
)
def test_tomography_and_grid_images(world, tomography_and_grids, which, mimetype):
    path = tomography_and_grids[which]
    response = world.get(path)
    assert response.status_code == 200, response.json
    assert response.mimetype == mimetype
    assert response.headers["ETag"]
    partial = world.get(path, headers={**world.member, "Range": "bytes=0-9"})
    assert partial.status_code == 206 and len(partial.data) == 10
    thumbnail = world.get(f"{path}?width=40")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(thumbnail.data)) as small:
        assert small.width == 40


def test_a_tomogram_movie_is_served_without_a_thumbnail(world, tomography_and_grids):
    response = world.get(tomography_and_grids["movie"])
    assert response.status_code == 200 and response.mimetype == "video/mp4"
    refused = world.get(tomography_and_grids["movie"] + "?width=40")
    assert refused.status_code == 400 and "width" in refused.json["details"]


def test_traversal_symlink_escape_and_missing_files_are_404(world, tomography_and_grids):
    for which in ("outside", "escape", "no-image"):
        assert world.get(tomography_and_grids[which]).status_code == 404, which
    assert world.get(tomography_and_grids["outside"] + "/url").status_code == 200  # a URL
    # of a file that is not served serves nothing either:
    url = world.get(tomography_and_grids["outside"] + "/url").json["url"]
    assert world.app.test_client().get(url).status_code == 404
    assert world.get("/tomograms/1/volume").status_code == 404  # not a kind


def test_tomography_and_grid_images_to_others(world, tomography_and_grids, tokens):
    outsider = tokens.user("outsider")
    for path in tomography_and_grids.values():
        assert world.get(path, headers=outsider).status_code == 404
        assert world.get(path + "/url", headers=outsider).status_code == 404


def test_tomography_and_grid_signed_urls(world, tomography_and_grids, em_app):
    anonymous = em_app.test_client()
    atlas = tomography_and_grids["atlas"]
    assert anonymous.get(EM + atlas).status_code == 401
    url = world.get(atlas + "/url?width=64").json["url"]
    response = anonymous.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    query = url.split("?", 1)[1]
    for other in ("square", "hole", "slice"):  # another file
        assert anonymous.get(f"{EM}{tomography_and_grids[other]}?{query}").status_code == 403
    assert anonymous.get(url.replace("width=64", "width=65")).status_code == 403
    assert anonymous.get(url[:-1] + ("0" if url[-1] != "0" else "1")).status_code == 403

"""em's images (micrographs, drift plots, power spectra, class images): to whoever core
lets see the data collection, or to a signed URL one of them asked for."""

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

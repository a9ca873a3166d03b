"""The body of ``POST /movies/batch``: movies, each with its per-micrograph results."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ispyb_shared.schemas import StrictSchema

from ..classification.models import ParticlePicker
from ..motion_correction.models import CTF, MotionCorrection, RelativeIceThickness
from ..movies.models import Movie
from ..schemas import EMSchema


class MotionCorrectionCreate(EMSchema):
    """The movie's motion correction (its movie is the record's)."""

    class Meta(EMSchema.Meta):
        model = MotionCorrection
        exclude = ("motionCorrectionId", "uuid", "movieId")


class CTFCreate(EMSchema):
    """CTF estimated on the record's motion-corrected micrograph."""

    class Meta(EMSchema.Meta):
        model = CTF
        exclude = ("ctfId", "uuid", "motionCorrectionId")


class RelativeIceThicknessCreate(EMSchema):
    """Relative ice thickness measured on the record's micrograph."""

    class Meta(EMSchema.Meta):
        model = RelativeIceThickness
        exclude = ("relativeIceThicknessId", "uuid", "motionCorrectionId")


class MicrographParticlePickerCreate(EMSchema):
    """Particles picked on the record's micrograph."""

    class Meta(EMSchema.Meta):
        model = ParticlePicker
        exclude = ("particlePickerId", "uuid", "firstMotionCorrectionId")
        required_fields = ("programId",)


RESULT_KINDS = ("ctf", "relativeIceThickness", "particlePicker")


class MovieCreate(EMSchema):
    """One movie and, optionally, its results. ctf, relativeIceThickness and
    particlePicker need motionCorrection: they describe its micrograph."""

    motionCorrection = fields.Nested(
        MotionCorrectionCreate, metadata={"description": "Motion correction of the movie."}
    )
    ctf = fields.Nested(CTFCreate, metadata={"description": "CTF of the micrograph."})
    relativeIceThickness = fields.Nested(
        RelativeIceThicknessCreate,
        metadata={"description": "Relative ice thickness of the micrograph."},
    )
    particlePicker = fields.Nested(
        MicrographParticlePickerCreate,
        metadata={"description": "Particles picked on the micrograph."},
    )

    class Meta(EMSchema.Meta):
        model = Movie
        exclude = ("movieId", "uuid")
        required_fields = ("dataCollectionUUID", "movieNumber")

    @validates_schema
    def _results_need_a_micrograph(self, data, **_kwargs) -> None:
        if "motionCorrection" in data:
            return
        problems = {
            kind: ["Needs motionCorrection in the same record: it describes its micrograph."]
            for kind in RESULT_KINDS
            if kind in data
        }
        if problems:
            raise ValidationError(problems)


class MovieBatch(StrictSchema):
    """A batch of movies with their results, ingested in one transaction."""

    records = fields.List(
        fields.Nested(MovieCreate),
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "The movies (at most ingestion.max_records, 2000 by default). A "
            "movie already stored (same dataCollectionUUID and movieNumber) is not stored "
            "again, nor are its results already stored (same program run)."
        },
    )


# --- the answer ----------------------------------------------------------------------------


class Counts(Schema):
    created = fields.Integer(metadata={"description": "Rows stored by this request."})
    existing = fields.Integer(
        metadata={"description": "Rows already stored (a resend): left as they were."}
    )


class RecordIds(Schema):
    movieId = fields.Integer(metadata={"description": "The record's movie."})
    motionCorrectionId = fields.Integer(
        allow_none=True,
        metadata={"description": "The record's motion correction (null without one)."},
    )


class BatchResult(Schema):
    """What a batch stored (201) or found already stored (200, nothing new)."""

    received = fields.Integer(metadata={"description": "Records in the batch."})
    movies = fields.Nested(Counts, metadata={"description": "Movies."})
    motionCorrections = fields.Nested(Counts, metadata={"description": "Motion corrections."})
    ctfs = fields.Nested(Counts, metadata={"description": "CTF estimations."})
    relativeIceThicknesses = fields.Nested(
        Counts, metadata={"description": "Relative ice thickness measurements."}
    )
    particlePickers = fields.Nested(Counts, metadata={"description": "Particle pickings."})
    records = fields.List(
        fields.Nested(RecordIds),
        metadata={"description": "Ids of each record's rows, in the batch's order."},
    )


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested errors as ``{"records[17].ctf.estimatedDefocus": [...]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "_schema":
                name = prefix or "_body"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, problems in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(problems)
        return flat
    if isinstance(messages, list):
        return {prefix or "_body": [str(message) for message in messages]}
    return {prefix or "_body": [str(messages)]}

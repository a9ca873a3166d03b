from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import EnvelopeSchema, ModelSchema, RowReference, StrictSchema

from ..data_collections.schemas import BLOCKS, DataCollectionRead
from .models import (
    AutoProc,
    AutoProcIntegration,
    AutoProcProgram,
    AutoProcProgramAttachment,
    AutoProcScalingAnisotropy,
    AutoProcScalingStatistics,
)

PERCENT = validate.Range(min=0, max=100, error="Must be between 0 and 100 (percent).")
SIGNED_PERCENT = validate.Range(min=-100, max=100, error="Must be between -100 and 100 (percent).")
POSITIVE = validate.Range(min=0, min_inclusive=False, error="Must be greater than 0.")
NOT_NEGATIVE = validate.Range(min=0, error="Must not be negative.")
ANGLE = validate.Range(
    min=0, max=180, min_inclusive=False, max_inclusive=False, error="Must be between 0 and 180."
)
DATA_COLLECTION_REF = RowReference(
    required=True,
    metadata={"description": "The sweep processed: DataCollection id (integer) or UUID."},
)


# --- program runs -------------------------------------------------------------------------


class ProcessingProgramRead(ModelSchema):
    """A run of a processing program and its status."""

    class Meta(ModelSchema.Meta):
        model = AutoProcProgram
        dump_only = ("autoProcProgramId", "uuid", "recordTimeStamp")


class ProcessingProgramCreate(ModelSchema):
    """A new run, registered when it starts, for the sweeps it processes."""

    dataCollections = fields.List(
        DATA_COLLECTION_REF,
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Sweeps processed (ids or UUIDs); several for multi-sweep."},
    )

    class Meta(ModelSchema.Meta):
        model = AutoProcProgram
        exclude = ("autoProcProgramId", "uuid", "recordTimeStamp")
        required_fields = ("processingPrograms",)


class ProcessingProgramUpdate(ModelSchema):
    """A status update of a running program."""

    class Meta(ModelSchema.Meta):
        model = AutoProcProgram
        fields = ("processingStatus", "processingMessage", "processingEndTime")


# --- results ------------------------------------------------------------------------------


class IntegrationRead(ModelSchema):
    """Integration of one sweep by a run."""

    dataCollectionUUID = fields.String(
        dump_only=True, metadata={"description": "UUID of the sweep integrated (derived)."}
    )

    class Meta(ModelSchema.Meta):
        model = AutoProcIntegration
        dump_only = ("autoProcIntegrationId", "uuid", "recordTimeStamp")


class IntegrationCreate(ModelSchema):
    """Refined geometry and cell of one sweep."""

    dataCollection = DATA_COLLECTION_REF
    cell_a = auto_field(validate=POSITIVE)
    cell_b = auto_field(validate=POSITIVE)
    cell_c = auto_field(validate=POSITIVE)
    cell_alpha = auto_field(validate=ANGLE)
    cell_beta = auto_field(validate=ANGLE)
    cell_gamma = auto_field(validate=ANGLE)
    refinedDetectorDistance = auto_field(validate=POSITIVE)

    class Meta(ModelSchema.Meta):
        model = AutoProcIntegration
        exclude = (
            "autoProcIntegrationId", "uuid", "recordTimeStamp", "dataCollectionId",
            "autoProcProgramId",
        )  # fmt: skip


class AutoProcRead(ModelSchema):
    """Space group and refined cell of a result."""

    class Meta(ModelSchema.Meta):
        model = AutoProc
        dump_only = ("autoProcId", "uuid", "recordTimeStamp")


class AutoProcCreate(ModelSchema):
    """Space group and refined cell of a result."""

    refinedCell_a = auto_field(validate=POSITIVE)
    refinedCell_b = auto_field(validate=POSITIVE)
    refinedCell_c = auto_field(validate=POSITIVE)
    refinedCell_alpha = auto_field(validate=ANGLE)
    refinedCell_beta = auto_field(validate=ANGLE)
    refinedCell_gamma = auto_field(validate=ANGLE)

    class Meta(ModelSchema.Meta):
        model = AutoProc
        exclude = ("autoProcId", "uuid", "recordTimeStamp", "autoProcProgramId")
        required_fields = ("spaceGroup",)


class StatisticsRead(ModelSchema):
    """Data quality in one shell."""

    class Meta(ModelSchema.Meta):
        model = AutoProcScalingStatistics
        dump_only = ("autoProcScalingStatisticsId", "uuid", "recordTimeStamp")
        exclude = ("autoProcScalingId",)


class StatisticsCreate(ModelSchema):
    """Data quality in one shell; values out of physical range are refused."""

    resolutionLimitLow = auto_field(validate=POSITIVE)
    resolutionLimitHigh = auto_field(validate=POSITIVE)
    completeness = auto_field(validate=PERCENT)
    anomalousCompleteness = auto_field(validate=PERCENT)
    rMerge = auto_field(validate=NOT_NEGATIVE)
    rMeasWithinIPlusIMinus = auto_field(validate=NOT_NEGATIVE)
    rMeasAllIPlusIMinus = auto_field(validate=NOT_NEGATIVE)
    rPimWithinIPlusIMinus = auto_field(validate=NOT_NEGATIVE)
    rPimAllIPlusIMinus = auto_field(validate=NOT_NEGATIVE)
    multiplicity = auto_field(validate=NOT_NEGATIVE)
    anomalousMultiplicity = auto_field(validate=NOT_NEGATIVE)
    nTotalObservations = auto_field(validate=NOT_NEGATIVE)
    nTotalUniqueObservations = auto_field(validate=NOT_NEGATIVE)
    ccHalf = auto_field(validate=SIGNED_PERCENT)
    ccAnomalous = auto_field(validate=SIGNED_PERCENT)
    resIOverSigI2 = auto_field(validate=POSITIVE)

    class Meta(ModelSchema.Meta):
        model = AutoProcScalingStatistics
        exclude = (
            "autoProcScalingStatisticsId", "uuid", "recordTimeStamp", "autoProcScalingId",
            "scalingStatisticsType",
        )  # fmt: skip
        required_fields = ("resolutionLimitLow", "resolutionLimitHigh")

    @validates_schema
    def _low_above_high(self, data, **_kwargs):
        low, high = data.get("resolutionLimitLow"), data.get("resolutionLimitHigh")
        if low is not None and high is not None and high > low:
            raise ValidationError(
                "The high resolution limit must be the smaller number of Å.",
                "resolutionLimitHigh",
            )


class AnisotropyRead(ModelSchema):
    """Anisotropy of a result (diffraction limits along the principal directions)."""

    class Meta(ModelSchema.Meta):
        model = AutoProcScalingAnisotropy
        dump_only = ("autoProcScalingAnisotropyId", "uuid")
        exclude = ("autoProcScalingId",)


class AnisotropyCreate(ModelSchema):
    """Anisotropy of a result."""

    resolutionLimit1 = auto_field(validate=POSITIVE)
    resolutionLimit2 = auto_field(validate=POSITIVE)
    resolutionLimit3 = auto_field(validate=POSITIVE)
    ellipsoidalCompleteness = auto_field(validate=PERCENT)
    ellipsoidalAnomalousCompleteness = auto_field(validate=PERCENT)
    sphericalCompleteness = auto_field(validate=PERCENT)
    anisotropicResolutionCutoffHigh = auto_field(validate=POSITIVE)
    anisotropicResolutionCutoffLow = auto_field(validate=POSITIVE)

    class Meta(ModelSchema.Meta):
        model = AutoProcScalingAnisotropy
        exclude = ("autoProcScalingAnisotropyId", "uuid", "autoProcScalingId")


class AttachmentRead(ModelSchema):
    """A file left by a run."""

    class Meta(ModelSchema.Meta):
        model = AutoProcProgramAttachment
        dump_only = ("autoProcProgramAttachmentId", "uuid", "recordTimeStamp")


class AttachmentCreate(ModelSchema):
    """A file left by a run."""

    class Meta(ModelSchema.Meta):
        model = AutoProcProgramAttachment
        exclude = ("autoProcProgramAttachmentId", "uuid", "recordTimeStamp", "autoProcProgramId")
        required_fields = ("fileType", "fileName", "filePath")


class ShellsCreate(StrictSchema):
    """Statistics in the three shells: overall, innerShell (lowest resolution),
    outerShell (highest resolution)."""

    overall = fields.Nested(StatisticsCreate, required=True)
    innerShell = fields.Nested(StatisticsCreate, required=True)
    outerShell = fields.Nested(StatisticsCreate, required=True)


class ProcessingResultDocument(StrictSchema):
    """A run's complete result, written in one transaction: integrations of its sweeps,
    the scaled result (space group, cell), statistics in three shells, anisotropy,
    files, and optionally the run's final status."""

    integrations = fields.List(
        fields.Nested(IntegrationCreate),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "One per sweep merged into this result."},
    )
    autoProc = fields.Nested(AutoProcCreate, required=True)
    statistics = fields.Nested(ShellsCreate, required=True)
    anisotropy = fields.Nested(AnisotropyCreate, allow_none=True)
    attachments = fields.List(
        fields.Nested(AttachmentCreate),
        load_default=list,
        metadata={"description": "Files the run left: logs, reflection files, graphs."},
    )
    program = fields.Nested(ProcessingProgramUpdate, metadata={"description": "Final status."})


class ProcessingRunCreate(ProcessingProgramCreate):
    """A run registered together with its complete result (one request)."""

    result = fields.Nested(ProcessingResultDocument, metadata={"description": "The result."})


class ResultRead(EnvelopeSchema):
    """One scaled result with its statistics in every shell."""

    autoProc = fields.Nested(AutoProcRead, metadata={"description": "Space group and cell."})
    autoProcScalingId = fields.Integer(metadata={"description": "The scaling's id."})
    integrationIds = fields.List(
        fields.Integer(), metadata={"description": "Integrations (sweeps) merged."}
    )
    statistics = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(StatisticsRead),
        metadata={"description": "Statistics by shell: overall, innerShell, outerShell."},
    )
    anisotropy = fields.Nested(
        AnisotropyRead, allow_none=True, metadata={"description": "Or null."}
    )


class ProcessingRunRead(EnvelopeSchema):
    """A program run with everything it produced."""

    program = fields.Nested(ProcessingProgramRead, metadata={"description": "The run."})
    integrations = fields.List(
        fields.Nested(IntegrationRead), metadata={"description": "Sweeps integrated."}
    )
    results = fields.List(fields.Nested(ResultRead), metadata={"description": "Scaled results."})
    attachments = fields.List(
        fields.Nested(AttachmentRead), metadata={"description": "Files left by the run."}
    )


class OuterShellRead(EnvelopeSchema):
    resolutionLimitHigh = fields.Float(metadata={"description": "High limit, in Å."})
    completeness = fields.Float(metadata={"description": "Completeness, in percent."})
    ccHalf = fields.Float(metadata={"description": "CC½, in percent."})
    meanIOverSigI = fields.Float(metadata={"description": "⟨I/σ(I)⟩."})


class BestResultRead(EnvelopeSchema):
    """The best successful result of a sweep: complete enough (overall completeness at
    least 90 %) with the best resolution; else the most complete; ties: the newest."""

    autoProcId = fields.Integer(metadata={"description": "The result (AutoProc)."})
    autoProcProgramId = fields.Integer(metadata={"description": "The run (AutoProcProgram)."})
    processingPrograms = fields.String(metadata={"description": "Programs of the run."})
    spaceGroup = fields.String(metadata={"description": "Space group."})
    resolutionLimitLow = fields.Float(metadata={"description": "Overall low limit, in Å."})
    resolutionLimitHigh = fields.Float(metadata={"description": "Overall high limit, in Å."})
    completeness = fields.Float(metadata={"description": "Overall completeness, in percent."})
    rMerge = fields.Float(metadata={"description": "Overall Rmerge, fraction."})
    ccHalf = fields.Float(metadata={"description": "Overall CC½, in percent."})
    meanIOverSigI = fields.Float(metadata={"description": "Overall ⟨I/σ(I)⟩."})
    outerShell = fields.Nested(
        OuterShellRead, allow_none=True, metadata={"description": "Highest resolution shell."}
    )


class ComparisonRead(EnvelopeSchema):
    """All results of one sweep or group side by side."""

    dataCollections = fields.List(
        fields.String(), metadata={"description": "UUIDs of the sweeps compared."}
    )
    columns = fields.List(
        fields.Dict(),
        metadata={
            "description": "One per result: autoProcProgramId, autoProcId, "
            "processingPrograms, processingStatus, spaceGroup, cell [a, b, c, α, β, γ], "
            "dataCollections merged."
        },
    )
    rows = fields.List(
        fields.Dict(),
        metadata={
            "description": "One per figure: shell (overall, innerShell, outerShell, "
            "anisotropy), field (a statistics column), values (one per column, null "
            "where not reported)."
        },
    )


class SessionDataCollectionRead(DataCollectionRead):
    """A sweep of a session with the summary of its best processing result."""

    bestResult = fields.Nested(
        BestResultRead,
        dump_only=True,
        allow_none=True,
        metadata={"description": "Best processing result, or null when none succeeded."},
    )

    class Meta(DataCollectionRead.Meta):
        exclude = BLOCKS

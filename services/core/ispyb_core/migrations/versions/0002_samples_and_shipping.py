"""Samples and shipping: Protein, Crystal, DiffractionPlan, BLSample, BLSampleGroup (+
BLSampleGroup_has_BLSample), Shipping (+ ShippingHasSession), Dewar (+
DewarTransportHistory), DewarRegistry (+ DewarRegistry_has_Proposal), Container; a uuid
column on each. Core's own tables: ShippingStatusHistory and ShipmentDocument.

ISPyB tables are created only when missing (a new database); on a site's ISPyB database
they are left as they are and only get the uuid column.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import (
    ensure_table,
    ensure_uuid,
    uuid_column,
    uuid_constraint,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NOW = sa.func.current_timestamp()
ISPYB_TABLES = [
    "Protein",
    "DiffractionPlan",
    "Crystal",
    "BLSampleGroup",
    "Shipping",
    "ShippingHasSession",
    "DewarRegistry",
    "DewarRegistry_has_Proposal",
    "Dewar",
    "DewarTransportHistory",
    "Container",
    "BLSample",
    "BLSampleGroup_has_BLSample",
]
# DiffractionPlan.experimentKind as in ISPyB (frozen here: a migration never follows the
# models).
EXPERIMENT_KINDS = (
    "Default",
    "MXPressE",
    "MXPressO",
    "MXPressE_SAD",
    "MXScore",
    "MXPressM",
    "MAD",
    "SAD",
    "Fixed",
    "Ligand binding",
    "Refinement",
    "OSC",
    "MAD - Inverse Beam",
    "SAD - Inverse Beam",
    "MESH",
    "XFE",
    "Stepped transmission",
    "XChem High Symmetry",
    "XChem Low Symmetry",
    "Commissioning",
    "Metal ID",
)


def upgrade() -> None:
    ensure_table(
        "Protein",
        sa.Column("proteinId", sa.Integer(), primary_key=True),
        sa.Column("proposalId", sa.Integer(), server_default="0", nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("acronym", sa.String(45)),
        sa.Column("description", sa.Text()),
        sa.Column("safetyLevel", sa.Enum("GREEN", "YELLOW", "RED", name="protein_safety_level")),
        sa.Column("hazardGroup", sa.Integer(), server_default="1", nullable=False),
        sa.Column("containmentLevel", sa.Integer(), server_default="1", nullable=False),
        sa.Column("molecularMass", sa.Double()),
        sa.Column("proteinType", sa.String(45)),
        sa.Column("sequence", sa.Text()),
        sa.Column("personId", sa.Integer()),
        sa.Column("isCreatedBySampleSheet", sa.Boolean(), server_default="0"),
        sa.Column("bltimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            name="Protein_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("Protein"),
        indexes=(
            ("ProteinAcronym_Index", ["proposalId", "acronym"], False),
            ("Protein_FKIndex2", ["personId"], False),
            ("Protein_Index2", ["acronym"], False),
        ),
    )
    ensure_table(
        "DiffractionPlan",
        sa.Column("diffractionPlanId", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(20)),
        sa.Column(
            "experimentKind", sa.Enum(*EXPERIMENT_KINDS, name="diffraction_plan_experiment_kind")
        ),
        sa.Column("observedResolution", sa.Float()),
        sa.Column("minimalResolution", sa.Float()),
        sa.Column("exposureTime", sa.Float()),
        sa.Column("oscillationRange", sa.Float()),
        sa.Column("maximalResolution", sa.Float()),
        sa.Column("screeningResolution", sa.Float()),
        sa.Column("radiationSensitivity", sa.Float()),
        sa.Column("anomalousScatterer", sa.String(255)),
        sa.Column("preferredBeamSizeX", sa.Float()),
        sa.Column("preferredBeamSizeY", sa.Float()),
        sa.Column("preferredBeamDiameter", sa.Float()),
        sa.Column("comments", sa.String(1024)),
        sa.Column("DIFFRACTIONPLANUUID", sa.String(1000)),
        sa.Column("aimedCompleteness", sa.Double()),
        sa.Column("aimedIOverSigmaAtHighestRes", sa.Double()),
        sa.Column("aimedMultiplicity", sa.Double()),
        sa.Column("aimedResolution", sa.Double()),
        sa.Column("anomalousData", sa.Boolean(), server_default="0"),
        sa.Column("complexity", sa.String(45)),
        sa.Column("estimateRadiationDamage", sa.Boolean(), server_default="0"),
        sa.Column("forcedSpaceGroup", sa.String(45)),
        sa.Column("requiredCompleteness", sa.Double()),
        sa.Column("requiredMultiplicity", sa.Double()),
        sa.Column("requiredResolution", sa.Double()),
        sa.Column("strategyOption", sa.String(200)),
        sa.Column("kappaStrategyOption", sa.String(45)),
        sa.Column("numberOfPositions", sa.Integer()),
        sa.Column("minDimAccrossSpindleAxis", sa.Double()),
        sa.Column("maxDimAccrossSpindleAxis", sa.Double()),
        sa.Column("radiationSensitivityBeta", sa.Double()),
        sa.Column("radiationSensitivityGamma", sa.Double()),
        sa.Column("minOscWidth", sa.Float()),
        sa.Column("monochromator", sa.String(8)),
        sa.Column("energy", sa.Float()),
        sa.Column("transmission", sa.Float()),
        sa.Column("boxSizeX", sa.Float()),
        sa.Column("boxSizeY", sa.Float()),
        sa.Column("kappaStart", sa.Float()),
        sa.Column("axisStart", sa.Float()),
        sa.Column("axisRange", sa.Float()),
        sa.Column("numberOfImages", sa.Integer()),
        sa.Column("presetForProposalId", sa.Integer()),
        sa.Column("beamLineName", sa.String(45)),
        sa.Column("distance", sa.Double()),
        sa.Column("orientation", sa.Double()),
        sa.Column("monoBandwidth", sa.Double()),
        sa.Column(
            "centringMethod",
            sa.Enum(
                "xray", "loop", "diffraction", "optical", name="diffraction_plan_centring_method"
            ),
        ),
        sa.Column("userPath", sa.String(100)),
        sa.Column("robotPlateTemperature", sa.Float()),
        sa.Column("exposureTemperature", sa.Float()),
        sa.Column(
            "collectionMode", sa.Enum("auto", "manual", name="diffraction_plan_collection_mode")
        ),
        sa.Column("priority", sa.Integer()),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["presetForProposalId"], ["Proposal.proposalId"], name="DiffractionPlan_ibfk1"
        ),
        uuid_constraint("DiffractionPlan"),
        indexes=(("DiffractionPlan_ibfk1", ["presetForProposalId"], False),),
    )
    ensure_table(
        "Crystal",
        sa.Column("crystalId", sa.Integer(), primary_key=True),
        sa.Column("proteinId", sa.Integer(), server_default="0", nullable=False),
        sa.Column("diffractionPlanId", sa.Integer()),
        sa.Column("crystalUUID", sa.String(45)),
        sa.Column("name", sa.String(255)),
        sa.Column("spaceGroup", sa.String(20)),
        sa.Column("morphology", sa.String(255)),
        sa.Column("color", sa.String(45)),
        sa.Column("size_X", sa.Double()),
        sa.Column("size_Y", sa.Double()),
        sa.Column("size_Z", sa.Double()),
        sa.Column("cell_a", sa.Double()),
        sa.Column("cell_b", sa.Double()),
        sa.Column("cell_c", sa.Double()),
        sa.Column("cell_alpha", sa.Double()),
        sa.Column("cell_beta", sa.Double()),
        sa.Column("cell_gamma", sa.Double()),
        sa.Column("comments", sa.String(255)),
        sa.Column("pdbFileName", sa.String(255)),
        sa.Column("pdbFilePath", sa.String(1024)),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["proteinId"],
            ["Protein.proteinId"],
            name="Crystal_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["diffractionPlanId"],
            ["DiffractionPlan.diffractionPlanId"],
            name="Crystal_ibfk_2",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("Crystal"),
        indexes=(
            ("Crystal_FKIndex1", ["proteinId"], False),
            ("Crystal_FKIndex2", ["diffractionPlanId"], False),
        ),
    )
    ensure_table(
        "BLSampleGroup",
        sa.Column("blSampleGroupId", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100)),
        sa.Column("proposalId", sa.Integer()),
        sa.Column("ownerId", sa.Integer()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["ownerId"], ["Person.personId"], name="BLSampleGroup_fk_ownerId", onupdate="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            name="BLSampleGroup_fk_proposalId",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
        uuid_constraint("BLSampleGroup"),
        indexes=(
            ("BLSampleGroup_fk_ownerId", ["ownerId"], False),
            ("BLSampleGroup_fk_proposalId", ["proposalId"], False),
        ),
    )
    ensure_table(
        "Shipping",
        sa.Column("shippingId", sa.Integer(), primary_key=True),
        sa.Column("proposalId", sa.Integer(), server_default="0", nullable=False),
        sa.Column("shippingName", sa.String(45)),
        sa.Column("shippingStatus", sa.String(45)),
        sa.Column("shippingType", sa.String(45)),
        sa.Column("comments", sa.String(1000)),
        sa.Column("sendingLabContactId", sa.Integer()),
        sa.Column("returnLabContactId", sa.Integer()),
        sa.Column("returnCourier", sa.String(45)),
        sa.Column("deliveryAgent_agentName", sa.String(45)),
        sa.Column("deliveryAgent_agentCode", sa.String(45)),
        sa.Column("deliveryAgent_flightCode", sa.String(45)),
        sa.Column("deliveryAgent_shippingDate", sa.Date()),
        sa.Column("deliveryAgent_deliveryDate", sa.Date()),
        sa.Column("laboratoryId", sa.Integer()),
        sa.Column("isStorageShipping", sa.Boolean(), server_default="0"),
        sa.Column("physicalLocation", sa.String(50)),
        sa.Column("creationDate", sa.DateTime()),
        sa.Column("bltimeStamp", sa.DateTime()),
        sa.Column("dateOfShippingToUser", sa.DateTime()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            name="Shipping_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sendingLabContactId"],
            ["LabContact.labContactId"],
            name="Shipping_ibfk_2",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["returnLabContactId"],
            ["LabContact.labContactId"],
            name="Shipping_ibfk_3",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
        uuid_constraint("Shipping"),
        indexes=(
            ("Shipping_FKIndex1", ["proposalId"], False),
            ("Shipping_FKIndex2", ["sendingLabContactId"], False),
            ("Shipping_FKIndex3", ["returnLabContactId"], False),
            ("Shipping_FKIndexCreationDate", ["creationDate"], False),
            ("Shipping_FKIndexName", ["shippingName"], False),
            ("Shipping_FKIndexStatus", ["shippingStatus"], False),
            ("laboratoryId", ["laboratoryId"], False),
        ),
    )
    ensure_table(
        "ShippingHasSession",
        sa.Column("shippingId", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("sessionId", sa.Integer(), primary_key=True, autoincrement=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["shippingId"],
            ["Shipping.shippingId"],
            name="ShippingHasSession_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            name="ShippingHasSession_ibfk_2",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("ShippingHasSession"),
        indexes=(("ShippingHasSession_FKIndex2", ["sessionId"], False),),
    )
    ensure_table(
        "ShippingStatusHistory",
        sa.Column("shippingStatusHistoryId", sa.Integer(), primary_key=True),
        sa.Column("shippingId", sa.Integer(), nullable=False),
        sa.Column("shippingStatus", sa.String(45), nullable=False),
        sa.Column("changedBy", sa.String(255)),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["shippingId"],
            ["Shipping.shippingId"],
            name="ShippingStatusHistory_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("ShippingStatusHistory"),
        indexes=(("ShippingStatusHistory_FKIndex1", ["shippingId"], False),),
    )
    ensure_table(
        "DewarRegistry",
        sa.Column("dewarRegistryId", sa.Integer(), primary_key=True),
        sa.Column("facilityCode", sa.String(20), nullable=False),
        sa.Column(
            "type",
            sa.Enum("Dewar", "Toolbox", "Thermal Shipper", name="dewar_registry_type"),
            server_default="Dewar",
            nullable=False,
        ),
        sa.Column("proposalId", sa.Integer()),
        sa.Column("labContactId", sa.Integer()),
        sa.Column("purchaseDate", sa.DateTime()),
        sa.Column("manufacturerSerialNumber", sa.String(15)),
        sa.Column("bltimestamp", sa.DateTime(), server_default=NOW, nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["proposalId"], ["Proposal.proposalId"], name="DewarRegistry_ibfk_1", onupdate="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["labContactId"],
            ["LabContact.labContactId"],
            name="DewarRegistry_ibfk_2",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
        uuid_constraint("DewarRegistry"),
        indexes=(
            ("DewarRegistry_ibfk_1", ["proposalId"], False),
            ("DewarRegistry_ibfk_2", ["labContactId"], False),
            ("facilityCode", ["facilityCode"], True),
        ),
    )
    ensure_table(
        "DewarRegistry_has_Proposal",
        sa.Column("dewarRegistryHasProposalId", sa.Integer(), primary_key=True),
        sa.Column("dewarRegistryId", sa.Integer()),
        sa.Column("proposalId", sa.Integer()),
        sa.Column("personId", sa.Integer()),
        sa.Column("labContactId", sa.Integer()),
        sa.Column("recordTimestamp", sa.DateTime(), server_default=NOW),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dewarRegistryId"],
            ["DewarRegistry.dewarRegistryId"],
            name="DewarRegistry_has_Proposal_ibfk1",
        ),
        sa.ForeignKeyConstraint(
            ["proposalId"], ["Proposal.proposalId"], name="DewarRegistry_has_Proposal_ibfk2"
        ),
        sa.ForeignKeyConstraint(
            ["personId"], ["Person.personId"], name="DewarRegistry_has_Proposal_ibfk3"
        ),
        sa.ForeignKeyConstraint(
            ["labContactId"],
            ["LabContact.labContactId"],
            name="DewarRegistry_has_Proposal_ibfk4",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
        uuid_constraint("DewarRegistry_has_Proposal"),
        indexes=(
            ("DewarRegistry_has_Proposal_ibfk2", ["proposalId"], False),
            ("DewarRegistry_has_Proposal_ibfk3", ["personId"], False),
            ("DewarRegistry_has_Proposal_ibfk4", ["labContactId"], False),
            ("dewarRegistryId", ["dewarRegistryId", "proposalId"], True),
        ),
    )
    ensure_table(
        "Dewar",
        sa.Column("dewarId", sa.Integer(), primary_key=True),
        sa.Column("shippingId", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum("Dewar", "Toolbox", "Parcel", name="dewar_type"),
            server_default="Dewar",
            nullable=False,
        ),
        sa.Column("code", sa.String(45)),
        sa.Column("barCode", sa.String(45)),
        sa.Column("facilityCode", sa.String(20)),
        sa.Column("dewarRegistryId", sa.Integer()),
        sa.Column("dewarStatus", sa.String(45)),
        sa.Column("storageLocation", sa.String(45)),
        sa.Column("comments", sa.String(1024)),
        sa.Column("firstExperimentId", sa.Integer()),
        sa.Column("customsValue", sa.Integer()),
        sa.Column("transportValue", sa.Integer()),
        sa.Column("trackingNumberToSynchrotron", sa.String(30)),
        sa.Column("trackingNumberFromSynchrotron", sa.String(30)),
        sa.Column("deliveryAgent_barcode", sa.String(30)),
        sa.Column("weight", sa.Float()),
        sa.Column("isStorageDewar", sa.Boolean(), server_default="0"),
        sa.Column("bltimeStamp", sa.DateTime()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dewarRegistryId"],
            ["DewarRegistry.dewarRegistryId"],
            name="Dewar_fk_dewarRegistryId",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firstExperimentId"],
            ["BLSession.sessionId"],
            name="Dewar_fk_firstExperimentId",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shippingId"],
            ["Shipping.shippingId"],
            name="Dewar_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("Dewar"),
        indexes=(
            ("Dewar_FKIndex1", ["shippingId"], False),
            ("Dewar_FKIndex2", ["firstExperimentId"], False),
            ("Dewar_FKIndexCode", ["code"], False),
            ("Dewar_FKIndexStatus", ["dewarStatus"], False),
            ("Dewar_fk_dewarRegistryId", ["dewarRegistryId"], False),
            ("barCode", ["barCode"], True),
        ),
    )
    ensure_table(
        "DewarTransportHistory",
        sa.Column("DewarTransportHistoryId", sa.Integer(), primary_key=True),
        sa.Column("dewarId", sa.Integer()),
        sa.Column("dewarStatus", sa.String(45), nullable=False),
        sa.Column("storageLocation", sa.String(45), nullable=False),
        sa.Column("arrivalDate", sa.DateTime(), nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dewarId"],
            ["Dewar.dewarId"],
            name="DewarTransportHistory_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("DewarTransportHistory"),
        indexes=(("DewarTransportHistory_FKIndex1", ["dewarId"], False),),
    )
    ensure_table(
        "Container",
        sa.Column("containerId", sa.Integer(), primary_key=True),
        sa.Column("dewarId", sa.Integer()),
        sa.Column("code", sa.String(45)),
        sa.Column("barcode", sa.String(45)),
        sa.Column("containerType", sa.String(20)),
        sa.Column("capacity", sa.Integer()),
        sa.Column("containerStatus", sa.String(45)),
        sa.Column("sampleChangerLocation", sa.String(20)),
        sa.Column("beamlineLocation", sa.String(20)),
        sa.Column("scLocationUpdated", sa.DateTime()),
        sa.Column("sessionId", sa.Integer()),
        sa.Column("ownerId", sa.Integer()),
        sa.Column("parentContainerId", sa.Integer()),
        sa.Column("parentContainerLocation", sa.Integer()),
        sa.Column("requestedReturn", sa.Boolean(), server_default="0"),
        sa.Column("comments", sa.String(255)),
        sa.Column("experimentType", sa.String(20)),
        sa.Column("storageTemperature", sa.Float()),
        sa.Column("bltimeStamp", sa.DateTime()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["parentContainerId"], ["Container.containerId"], name="Container_fk_parentContainerId"
        ),
        sa.ForeignKeyConstraint(["ownerId"], ["Person.personId"], name="Container_ibfk5"),
        sa.ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            name="Container_ibfk6",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dewarId"],
            ["Dewar.dewarId"],
            name="Container_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("Container"),
        indexes=(
            ("Container_FKIndex", ["beamlineLocation"], False),
            ("Container_FKIndex1", ["dewarId"], False),
            ("Container_FKIndexStatus", ["containerStatus"], False),
            ("Container_UNIndex1", ["barcode"], True),
            ("Container_fk_parentContainerId", ["parentContainerId"], False),
            ("Container_ibfk5", ["ownerId"], False),
            ("Container_ibfk6", ["sessionId"], False),
        ),
    )
    ensure_table(
        "BLSample",
        sa.Column("blSampleId", sa.Integer(), primary_key=True),
        sa.Column("containerId", sa.Integer()),
        sa.Column("location", sa.String(45)),
        sa.Column("subLocation", sa.SmallInteger()),
        sa.Column("crystalId", sa.Integer()),
        sa.Column("diffractionPlanId", sa.Integer()),
        sa.Column("name", sa.String(45)),
        sa.Column("code", sa.String(45)),
        sa.Column("comments", sa.String(1024)),
        sa.Column("staffComments", sa.String(255)),
        sa.Column("blSampleStatus", sa.String(20)),
        sa.Column("isInSampleChanger", sa.Boolean()),
        sa.Column("holderLength", sa.Double()),
        sa.Column("loopLength", sa.Double()),
        sa.Column("loopType", sa.String(45)),
        sa.Column("wireWidth", sa.Double()),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["containerId"],
            ["Container.containerId"],
            name="BLSample_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["crystalId"],
            ["Crystal.crystalId"],
            name="BLSample_ibfk_2",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["diffractionPlanId"],
            ["DiffractionPlan.diffractionPlanId"],
            name="BLSample_ibfk_3",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("BLSample"),
        indexes=(
            ("BLSample_FKIndex1", ["containerId"], False),
            ("BLSample_FKIndex3", ["diffractionPlanId"], False),
            ("BLSample_FKIndex_Status", ["blSampleStatus"], False),
            ("BLSample_Index1", ["name"], False),
            (
                "BLSample_uidx_containerId_location_subLocation",
                ["containerId", "location", "subLocation"],
                True,
            ),
            ("crystalId", ["crystalId", "containerId"], False),
        ),
    )
    ensure_table(
        "BLSampleGroup_has_BLSample",
        sa.Column("blSampleGroupId", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("blSampleId", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("groupOrder", sa.Integer()),
        sa.Column(
            "type",
            sa.Enum(
                "background",
                "container",
                "sample",
                "calibrant",
                "capillary",
                name="sample_group_member_type",
            ),
        ),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["blSampleGroupId"],
            ["BLSampleGroup.blSampleGroupId"],
            name="BLSampleGroup_has_BLSample_ibfk1",
        ),
        sa.ForeignKeyConstraint(
            ["blSampleId"], ["BLSample.blSampleId"], name="BLSampleGroup_has_BLSample_ibfk2"
        ),
        uuid_constraint("BLSampleGroup_has_BLSample"),
        indexes=(("BLSampleGroup_has_BLSample_ibfk2", ["blSampleId"], False),),
    )
    ensure_table(
        "ShipmentDocument",
        sa.Column("shipmentDocumentId", sa.Integer(), primary_key=True),
        sa.Column("proposalId", sa.Integer(), nullable=False),
        sa.Column("externalId", sa.String(100), nullable=False),
        sa.Column("documentHash", sa.String(64), nullable=False),
        sa.Column("shippingId", sa.Integer(), nullable=False),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            name="ShipmentDocument_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shippingId"],
            ["Shipping.shippingId"],
            name="ShipmentDocument_ibfk_2",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("ShipmentDocument"),
        indexes=(
            ("ShipmentDocument_FKIndex2", ["shippingId"], False),
            ("ShipmentDocument_proposalId_externalId", ["proposalId", "externalId"], True),
        ),
    )

    for table in ISPYB_TABLES:
        ensure_uuid(table)


def downgrade() -> None:
    # These may be a site's own ISPyB tables: never dropped by us.
    raise NotImplementedError("core's migration 0002 is not reversible")

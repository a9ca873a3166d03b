"""The answers of the detector-image routes (JSON; the pixels are bytes)."""

from __future__ import annotations

from marshmallow import Schema, fields


def _number(description: str):
    return fields.Float(allow_none=True, metadata={"description": description})


class ImageStatistics(Schema):
    min = _number("Smallest measured pixel value")
    max = _number("Largest measured pixel value")
    mean = _number("Mean of the measured pixels")
    std = _number("Standard deviation of the measured pixels")
    positiveMin = _number("Smallest measured value >= 0")
    strictPositiveMin = _number("Smallest measured value > 0")
    invalidPixels = fields.Integer(
        metadata={"description": "Pixels left out: masked, gaps, dead (see docs)"}
    )
    overloadedPixels = fields.Integer(
        allow_none=True,
        metadata={"description": "Measured pixels at or above countCutoff (null: no cut-off)"},
    )


class DetectorImageHeader(Schema):
    """The header of one detector image: NXmx metadata of the HDF5 master (or the CBF
    header lines), and statistics of the image's pixels."""

    dataCollectionId = fields.Integer(metadata={"description": "The data collection"})
    imageNumber = fields.Integer(metadata={"description": "The image (from 1, as in the files)"})
    numberOfImages = fields.Integer(
        allow_none=True, metadata={"description": "Images the files hold (HDF5; null for CBF)"}
    )
    format = fields.String(metadata={"description": "hdf5 or cbf"})
    fileName = fields.String(metadata={"description": "The master file (HDF5) or the image's"})
    dataType = fields.String(metadata={"description": "The pixels' numpy type, e.g. uint32"})
    width = fields.Integer(metadata={"description": "Pixels across (fast axis)"})
    height = fields.Integer(metadata={"description": "Pixels down (slow axis)"})
    wavelength = _number("Incident wavelength, in Å")
    detectorDistance = _number("Sample to detector distance, in mm")
    beamCenterX = _number("Beam centre, fast axis, in pixels")
    beamCenterY = _number("Beam centre, slow axis, in pixels")
    pixelSizeX = _number("Pixel size, fast axis, in mm")
    pixelSizeY = _number("Pixel size, slow axis, in mm")
    exposureTime = _number("Exposure (count time) of an image, in s")
    countCutoff = _number("Counts from which a pixel is saturated (trusted range's top)")
    bitDepth = fields.Integer(allow_none=True, metadata={"description": "Bits per pixel"})
    detector = fields.String(allow_none=True, metadata={"description": "Detector description"})
    sensorMaterial = fields.String(
        allow_none=True, metadata={"description": "Sensor material, e.g. Si or CdTe"}
    )
    sensorThickness = _number("Sensor thickness, in mm")
    statistics = fields.Nested(
        ImageStatistics, metadata={"description": "Statistics of the image's measured pixels"}
    )


class DetectorImageHistogram(Schema):
    """py-ispyb's histogram of one image (docs/detector-images.md)."""

    dataCollectionId = fields.Integer(metadata={"description": "The data collection"})
    imageNumber = fields.Integer(metadata={"description": "The image (from 1, as in the files)"})
    values = fields.List(fields.Float(), metadata={"description": "Pixels per bin"})
    bins = fields.List(fields.Float(), metadata={"description": "Bin edges: one more than values"})
    max = fields.Float(metadata={"description": "The largest of values"})

"""One image of a data collection, read from the detector's own files (no Flask here).

Two formats, told by the file template's suffix (docs/detector-images.md):

- **NeXus / Eiger HDF5** (``.h5``, ``.hdf5``, ``.nxs``): the template names the *master*
  file. Its ``/entry/instrument`` holds the NXmx metadata; ``/entry/data`` holds the images,
  as external links ``data_000001``, ``data_000002``... to data files (Dectris'
  layout, each data set with ``image_nr_low``/``image_nr_high``), or as one data set
  ``data`` (inline, or a virtual data set over data files). Only the chunks of the one image
  asked for are read (``dataset[index]``); the data files' bitshuffle/LZ4 chunks are
  decompressed by hdf5plugin's filters.
- **CBF** (``.cbf``, the Pilatus "mini-CBF"): one file per image, the template's ``####``
  (or ``%04d``) the image number; the header is the ``# Key value`` lines of
  ``_array_data.header_contents``, the pixels the ``x-CBF_BYTE_OFFSET`` binary section.

Every file reached (the master, a linked data file, a virtual data set's sources) is first
passed to ``allowed`` (the site's file roots): HDF5's own link resolution, which would
follow a link anywhere, is never used for external links.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HDF5_SUFFIXES = (".h5", ".hdf5", ".nxs")
CBF_SUFFIXES = (".cbf",)
HISTOGRAM_MAX_BINS = 300


class ReaderMissing(Exception):
    """h5py/hdf5plugin are not installed (core's ``hdf5`` extra)."""


class FileMissing(Exception):
    """A file the image needs is not there (or not under the file roots)."""


class ImageMissing(Exception):
    """The files are there but hold no image of that number."""


class Unreadable(Exception):
    """A file is there but cannot be read as what it claims to be (corrupt, truncated, an
    unknown layout or compression)."""


@dataclass
class DetectorImage:
    """The header of one image and its pixels (a 2-D numpy array; ``invalid`` marks the
    pixels that are no measurement: the detector's mask, gaps, dead pixels)."""

    format: str
    file_name: str
    image_number: int
    number_of_images: int | None
    pixels: Any
    invalid: Any
    metadata: dict[str, Any] = field(default_factory=dict)


def _numpy():
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy comes with the hdf5 extra
        raise ReaderMissing("numpy is not installed") from None
    return numpy


def _h5py():
    try:
        import h5py
        import hdf5plugin  # noqa: F401  (registers the bitshuffle, LZ4... filters)
    except ImportError:
        raise ReaderMissing("h5py and hdf5plugin are not installed (ispyb-core[hdf5])") from None
    return h5py


def file_format(template: str) -> str | None:
    suffix = os.path.splitext(template)[1].lower()
    if suffix in HDF5_SUFFIXES:
        return "hdf5"
    if suffix in CBF_SUFFIXES:
        return "cbf"
    return None


_HASHES = re.compile(r"#+")
_PRINTF = re.compile(r"%0?(\d*)d")


def image_file(directory: str, template: str, image_number: int) -> str:
    """The path of the file holding image ``image_number``: the HDF5 master itself, or the
    CBF template with its ``####`` (or ``%04d``) replaced by the zero-padded number."""
    name = template
    if file_format(template) == "cbf":
        if _HASHES.search(name):
            name = _HASHES.sub(lambda m: f"{image_number:0{len(m.group())}d}", name, count=1)
        elif _PRINTF.search(name):
            name = _PRINTF.sub(lambda m: f"{image_number:0{m.group(1) or 0}d}", name, count=1)
    return os.path.join(directory, name)


def read_image(
    path: str, image_number: int, *, allowed: Callable[[str], str], first_image: int = 1
) -> DetectorImage:
    """Image ``image_number`` of the files at ``path`` (already checked by ``allowed``);
    ``allowed`` answers the checked path of any other file reached, or raises FileMissing."""
    kind = file_format(path)
    if kind == "hdf5":
        return _read_hdf5(path, image_number, allowed)
    if kind == "cbf":
        return _read_cbf(path, image_number)
    raise Unreadable(f"{os.path.basename(path)} is neither HDF5 nor CBF.")


# --- HDF5 (NXmx) -------------------------------------------------------------------------

# Unit names, as written by Dectris' and NeXus' writers, to millimetres / Ångström / seconds.
_TO_MM = {"m": 1000.0, "meter": 1000.0, "metre": 1000.0, "mm": 1.0, "millimeter": 1.0}
_TO_MM |= {"um": 1e-3, "µm": 1e-3, "micron": 1e-3, "microns": 1e-3, "micrometer": 1e-3}
_TO_ANGSTROM = {"angstrom": 1.0, "a": 1.0, "å": 1.0, "nm": 10.0, "m": 1e10}
_TO_SECONDS = {"s": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "tolist"):
        value = value.tolist()
        if isinstance(value, list):
            value = value[0] if value else None
        return _text(value)
    return str(value)


def _scalar(group, name: str):
    """The value of a scalar data set (or a 1-element one) and its ``units``; (None, None)
    when absent or not a number."""
    h5py = _h5py()
    if group is None:
        return None, None
    item = group.get(name)
    if not isinstance(item, h5py.Dataset) or item.size != 1:
        return None, None
    value = item[()]
    if hasattr(value, "reshape"):
        value = value.reshape(-1)[0]
    units = _text(item.attrs.get("units"))
    if isinstance(value, bytes | str):
        text = _text(value)
        return text, units
    try:
        return float(value), units
    except (TypeError, ValueError):
        return None, units


def _converted(value, units, table: dict[str, float], default: str) -> float | None:
    if not isinstance(value, float):
        return None
    factor = table.get((units or default).strip().lower())
    return None if factor is None else value * factor


def _group(parent, path: str):
    h5py = _h5py()
    item = parent.get(path) if parent is not None else None
    return item if isinstance(item, h5py.Group) else None


def _nx_entry(master):
    """``/entry``, else the first group whose NX_class is NXentry."""
    entry = _group(master, "entry")
    if entry is not None:
        return entry
    for name in master:
        group = _group(master, name)
        if group is not None and _text(group.attrs.get("NX_class")) == "NXentry":
            return group
    raise Unreadable("The HDF5 file has no NXentry (/entry).")


def _nx_metadata(entry, image_shape: tuple[int, int]) -> dict[str, Any]:
    instrument = _group(entry, "instrument")
    detector = _group(instrument, "detector")
    specific = _group(detector, "detectorSpecific")
    beam = _group(instrument, "beam") or _group(entry, "sample/beam")
    wavelength = _converted(*_scalar(beam, "incident_wavelength"), _TO_ANGSTROM, "angstrom")
    distance = _converted(*_scalar(detector, "detector_distance"), _TO_MM, "m")
    pixel_x = _converted(*_scalar(detector, "x_pixel_size"), _TO_MM, "m")
    pixel_y = _converted(*_scalar(detector, "y_pixel_size"), _TO_MM, "m")
    exposure = _converted(*_scalar(detector, "count_time"), _TO_SECONDS, "s")
    if exposure is None:
        exposure = _converted(*_scalar(detector, "frame_time"), _TO_SECONDS, "s")
    thickness = _converted(*_scalar(detector, "sensor_thickness"), _TO_MM, "m")
    centre = []
    for axis, pixel in (("x", pixel_x), ("y", pixel_y)):
        value, units = _scalar(detector, f"beam_center_{axis}")
        if isinstance(value, float) and units and units.strip().lower() not in {"pixel", "pixels"}:
            # NXdetector allows a length; in pixels here, as Dectris writes it.
            in_mm = _converted(value, units, _TO_MM, "m")
            value = in_mm / pixel if in_mm is not None and pixel else None
        centre.append(value if isinstance(value, float) else None)
    cutoff, _ = _scalar(detector, "saturation_value")
    if not isinstance(cutoff, float):
        cutoff, _ = _scalar(specific, "countrate_correction_count_cutoff")
    bit_depth, _ = _scalar(detector, "bit_depth_image")
    if not isinstance(bit_depth, float):
        bit_depth, _ = _scalar(detector, "bit_depth_readout")
    width, _ = _scalar(specific, "x_pixels_in_detector")
    height, _ = _scalar(specific, "y_pixels_in_detector")
    description, _ = _scalar(detector, "description")
    material, _ = _scalar(detector, "sensor_material")
    return {
        "wavelength": wavelength,
        "detectorDistance": distance,
        "beamCenterX": centre[0],
        "beamCenterY": centre[1],
        "pixelSizeX": pixel_x,
        "pixelSizeY": pixel_y,
        "exposureTime": exposure,
        "countCutoff": cutoff if isinstance(cutoff, float) else None,
        "bitDepth": int(bit_depth) if isinstance(bit_depth, float) else None,
        "width": int(width) if isinstance(width, float) else image_shape[1],
        "height": int(height) if isinstance(height, float) else image_shape[0],
        "detector": description if isinstance(description, str) else None,
        "sensorMaterial": material if isinstance(material, str) else None,
        "sensorThickness": thickness,
    }


def _pixel_mask(entry, shape):
    """The detector's pixel mask (NXmx ``detector/pixel_mask``, Dectris'
    ``detectorSpecific/pixel_mask``) as a boolean array, or None."""
    h5py = _h5py()
    for path in (
        "instrument/detector/pixel_mask",
        "instrument/detector/detectorSpecific/pixel_mask",
    ):
        item = entry.get(path)
        if isinstance(item, h5py.Dataset) and tuple(item.shape) == tuple(shape):
            return item[()] != 0
    return None


def _stacks(data_group, master_path: str, allowed) -> list[tuple[str, str | None, str]]:
    """The image stacks of ``/entry/data`` in order: (name, external file or None, path
    inside it)."""
    h5py = _h5py()
    stacks = []
    for name in sorted(data_group):
        link = data_group.get(name, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            target = os.path.join(os.path.dirname(master_path), link.filename)
            stacks.append((name, target, link.path))
        elif name == "data" or name.startswith("data_"):
            stacks.append((name, None, f"{data_group.name}/{name}"))
    return stacks


def _check_virtual(dataset, master_path: str, allowed) -> None:
    """A virtual data set reads its source files itself: each must be allowed first."""
    if not dataset.is_virtual:
        return
    for source in dataset.virtual_sources():
        name = source.file_name
        if name == ".":
            continue
        allowed(name if os.path.isabs(name) else os.path.join(os.path.dirname(master_path), name))


def _image_range(dataset, offset: int) -> tuple[int, int]:
    low = dataset.attrs.get("image_nr_low")
    high = dataset.attrs.get("image_nr_high")
    try:
        low, high = int(low), int(high)
    except (TypeError, ValueError):
        low, high = offset + 1, offset + dataset.shape[0]
    return low, high


def _read_hdf5(path: str, image_number: int, allowed) -> DetectorImage:
    h5py = _h5py()
    numpy = _numpy()
    try:
        with h5py.File(path, "r") as master:
            entry = _nx_entry(master)
            data_group = _group(entry, "data")
            if data_group is None:
                raise Unreadable("The master file has no /entry/data.")
            stacks = _stacks(data_group, path, allowed)
            if not stacks:
                raise Unreadable("/entry/data holds no image data set.")
            offset, total, found = 0, 0, None
            for _name, external, inner in stacks:
                if external is None:
                    dataset = master.get(inner)
                    if not isinstance(dataset, h5py.Dataset):
                        continue
                    _check_virtual(dataset, path, allowed)
                    low, high = _image_range(dataset, offset)
                    total = max(total, high)
                    if found is None and low <= image_number <= high:
                        found = _one_image(dataset, image_number - low)
                else:
                    found_here, low, high = _from_data_file(
                        allowed(external), inner, image_number, offset, found is None
                    )
                    total = max(total, high)
                    found = found if found is not None else found_here
                offset = max(offset, high)
            if found is None:
                raise ImageMissing(f"The files hold images 1 to {total}.")
            if found.ndim != 2:
                raise Unreadable(f"An image has {found.ndim} dimensions, not 2.")
            metadata = _nx_metadata(entry, found.shape)
            mask = _pixel_mask(entry, found.shape)
    except (FileMissing, ImageMissing, Unreadable, ReaderMissing):
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        raise Unreadable(f"{os.path.basename(path)} cannot be read ({_reason(exc)}).") from None
    invalid = _invalid_pixels(found, numpy)
    if mask is not None:
        invalid |= mask
    return DetectorImage(
        format="hdf5",
        file_name=os.path.basename(path),
        image_number=image_number,
        number_of_images=total,
        pixels=found,
        invalid=invalid,
        metadata=metadata,
    )


def _reason(exc: Exception) -> str:
    text = str(exc).split("(")[0].strip() or exc.__class__.__name__
    return text[:120]


def _from_data_file(target: str, inner: str, image_number: int, offset: int, wanted: bool):
    h5py = _h5py()
    try:
        with h5py.File(target, "r") as data_file:
            dataset = data_file.get(inner)
            if not isinstance(dataset, h5py.Dataset) or dataset.ndim != 3:
                raise Unreadable(f"{os.path.basename(target)} has no image stack at {inner}.")
            low, high = _image_range(dataset, offset)
            if wanted and low <= image_number <= high:
                return _one_image(dataset, image_number - low), low, high
            return None, low, high
    except (FileMissing, Unreadable):
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        raise Unreadable(f"{os.path.basename(target)} cannot be read ({_reason(exc)}).") from None


def _one_image(dataset, index: int):
    """One image of a stack: only its chunks are read and decompressed."""
    if dataset.ndim != 3 or not 0 <= index < dataset.shape[0]:
        raise ImageMissing("No such image in the data set.")
    return dataset[index]


def _invalid_pixels(pixels, numpy):
    """No measurement: unsigned pixels at the type's maximum (Eiger's gaps and dead pixels),
    signed pixels below 0 (Pilatus' -1 gaps, -2 bad pixels), non-finite floats."""
    kind = pixels.dtype.kind
    if kind == "u":
        return pixels == numpy.iinfo(pixels.dtype).max
    if kind == "i":
        return pixels < 0
    return ~numpy.isfinite(pixels)


# --- CBF ---------------------------------------------------------------------------------

_BINARY_MARK = b"\x0c\x1a\x04\xd5"
_ELEMENT_TYPES = {"signed 32-bit integer": "int32", "unsigned 32-bit integer": "uint32"}
_ELEMENT_TYPES |= {"signed 16-bit integer": "int16", "unsigned 16-bit integer": "uint16"}


def _read_cbf(path: str, image_number: int) -> DetectorImage:
    numpy = _numpy()
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise Unreadable(f"{os.path.basename(path)} cannot be read ({_reason(exc)}).") from None
    start = raw.find(_BINARY_MARK)
    section = raw.find(b"--CIF-BINARY-FORMAT-SECTION--")
    if not raw.startswith(b"###CBF") or start < 0 or section < 0 or section > start:
        raise Unreadable(f"{os.path.basename(path)} is not a CBF image.")
    text = raw[:start].decode("latin-1")
    mime = dict(
        (key.strip().lower(), value.strip())
        for key, _, value in (line.partition(":") for line in text[section:].splitlines())
        if value
    )
    try:
        width = int(mime["x-binary-size-fastest-dimension"])
        height = int(mime["x-binary-size-second-dimension"])
        size = int(mime["x-binary-size"])
    except (KeyError, ValueError):
        raise Unreadable("The CBF binary section gives no image size.") from None
    # conversions= is on Content-Type's continuation line.
    if "x-cbf_byte_offset" not in text[section:].lower():
        raise Unreadable("Only x-CBF_BYTE_OFFSET CBF images are read.")
    element = _ELEMENT_TYPES.get(mime.get("x-binary-element-type", "").strip('"').lower(), "int32")
    binary = raw[start + 4 : start + 4 + size]
    if len(binary) < size or width <= 0 or height <= 0:
        raise Unreadable("The CBF image is truncated.")
    pixels = byte_offset_decode(binary, width * height).astype(element).reshape(height, width)
    metadata = _cbf_metadata(text, width, height)
    return DetectorImage(
        format="cbf",
        file_name=os.path.basename(path),
        image_number=image_number,
        number_of_images=None,
        pixels=pixels,
        invalid=_invalid_pixels(pixels, numpy),
        metadata=metadata,
    )


def byte_offset_decode(data: bytes, count: int):
    """The CBF ``x-CBF_BYTE_OFFSET`` decompression: each value is the previous plus a
    delta, one signed byte, or 0x80 then a little-endian int16, or 0x80 0x0080 then an
    int32 (0x80 0x0080 0x80000000: an int64). The runs of 1-byte deltas are taken whole."""
    numpy = _numpy()
    small = numpy.frombuffer(data, dtype=numpy.int8)
    deltas = numpy.empty(count, dtype=numpy.int64)
    done = position = 0
    end = len(data)
    while done < count:
        escape = data.find(b"\x80", position)
        stop = end if escape < 0 else escape
        take = min(stop - position, count - done)
        deltas[done : done + take] = small[position : position + take]
        done += take
        position += take
        if done == count:
            break
        if escape < 0:
            raise Unreadable("The CBF image is truncated.")
        value, position = _escaped(data, position + 1, 2)
        if value == -0x8000:
            value, position = _escaped(data, position, 4)
            if value == -0x80000000:
                value, position = _escaped(data, position, 8)
        deltas[done] = value
        done += 1
    return numpy.cumsum(deltas)


def _escaped(data: bytes, position: int, width: int) -> tuple[int, int]:
    if position + width > len(data):
        raise Unreadable("The CBF image is truncated.")
    return int.from_bytes(data[position : position + width], "little", signed=True), (
        position + width
    )


_NUMBER = r"([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)"


def _cbf_number(header: str, pattern: str) -> float | None:
    match = re.search(pattern, header, flags=re.IGNORECASE | re.MULTILINE)
    return float(match.group(1)) if match else None


def _cbf_metadata(text: str, width: int, height: int) -> dict[str, Any]:
    """The Pilatus header lines (``# Wavelength 0.97625 A``, ``# Detector_distance 0.3 m``,
    ``# Beam_xy (1231.5, 1263.5) pixels``, ``# Pixel_size 172e-6 m x 172e-6 m``...)."""
    n = _NUMBER
    pixel = re.search(rf"^#\s*Pixel_size\s+{n}\s*m\s*x\s*{n}\s*m", text, re.MULTILINE)
    beam = re.search(rf"^#\s*Beam_xy\s*\(\s*{n}\s*,\s*{n}\s*\)", text, re.MULTILINE)
    detector = re.search(r"^#\s*Detector:\s*(.+?)\s*$", text, re.MULTILINE)
    sensor = re.search(rf"^#\s*(\w+)\s+sensor,\s*thickness\s+{n}\s*m", text, re.MULTILINE)
    distance = _cbf_number(text, rf"^#\s*Detector_distance\s+{n}\s*m")
    return {
        "wavelength": _cbf_number(text, rf"^#\s*Wavelength\s+{n}"),
        "detectorDistance": distance * 1000.0 if distance is not None else None,
        "beamCenterX": float(beam.group(1)) if beam else None,
        "beamCenterY": float(beam.group(2)) if beam else None,
        "pixelSizeX": float(pixel.group(1)) * 1000.0 if pixel else None,
        "pixelSizeY": float(pixel.group(2)) * 1000.0 if pixel else None,
        "exposureTime": _cbf_number(text, rf"^#\s*Exposure_time\s+{n}"),
        "countCutoff": _cbf_number(text, rf"^#\s*Count_cutoff\s+{n}"),
        "bitDepth": None,
        "width": width,
        "height": height,
        "detector": detector.group(1) if detector else None,
        "sensorMaterial": sensor.group(1) if sensor else None,
        "sensorThickness": float(sensor.group(2)) * 1000.0 if sensor else None,
    }


# --- what is computed from the pixels ----------------------------------------------------


def statistics(image: DetectorImage) -> dict[str, Any]:
    """min, max, mean, std of the measured pixels, the smallest >= 0 and > 0, and how many
    pixels were left out (invalid) or reach the count cut-off."""
    numpy = _numpy()
    valid = image.pixels[~image.invalid]
    cutoff = image.metadata.get("countCutoff")
    overloaded = int(numpy.count_nonzero(valid >= cutoff)) if cutoff is not None else None
    if valid.size == 0:
        empty = dict.fromkeys(("min", "max", "mean", "std", "positiveMin", "strictPositiveMin"))
        return {**empty, "invalidPixels": int(image.invalid.size), "overloadedPixels": 0}
    positive = valid[valid >= 0]
    strict = positive[positive > 0]
    as_float = valid.astype(numpy.float64)
    return {
        "min": float(valid.min()),
        "max": float(valid.max()),
        "mean": float(as_float.mean()),
        "std": float(as_float.std()),
        "positiveMin": float(positive.min()) if positive.size else None,
        "strictPositiveMin": float(strict.min()) if strict.size else None,
        "invalidPixels": int(numpy.count_nonzero(image.invalid)),
        "overloadedPixels": overloaded,
    }


def histogram(image: DetectorImage) -> dict[str, Any]:
    """py-ispyb's histogram of an image: the measured pixels below mean + 3σ (the few
    bright spots would squash the rest), in unit-wide bins when they span at most 300
    counts, else in 300 equal bins. ``bins`` are the edges (one more than ``values``)."""
    numpy = _numpy()
    valid = image.pixels[~image.invalid].astype(numpy.float64)
    if valid.size == 0:
        return {"values": [], "bins": [], "max": 0}
    clean = valid[valid < valid.mean() + 3 * valid.std()]
    if clean.size == 0:
        clean = valid
    low, high = float(clean.min()), float(clean.max())
    if high - low <= HISTOGRAM_MAX_BINS:
        edges = numpy.arange(numpy.floor(low), numpy.floor(high) + 2, 1.0)
    else:
        edges = HISTOGRAM_MAX_BINS
    values, bins = numpy.histogram(clean, bins=edges)
    return {
        "values": values.astype(float).tolist(),
        "bins": bins.tolist(),
        "max": float(values.max()) if values.size else 0,
    }


def pixels_float32(image: DetectorImage) -> bytes:
    """The image as little-endian float32, row by row (py-ispyb's raw image), the invalid
    pixels as -1."""
    out = image.pixels.astype("<f4")
    out[image.invalid] = -1.0
    return out.tobytes()

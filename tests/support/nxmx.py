"""Detector files for the tests, laid out as the beamlines' writers lay them out, from the
formats' own descriptions rather than from core's reader:

- an Eiger master (Dectris' file writer, NXmx application definition): ``/entry``
  (NXentry, ``definition = NXmx``), ``/entry/instrument/beam/incident_wavelength`` (Å),
  ``/entry/instrument/detector/{detector_distance, x_pixel_size, y_pixel_size,
  sensor_thickness}`` (m), ``beam_center_x/y`` (pixel), ``count_time`` (s),
  ``saturation_value``, ``bit_depth_image``, ``description``, ``sensor_material``,
  ``detectorSpecific/{x,y}_pixels_in_detector``, ``countrate_correction_count_cutoff``,
  ``nimages``, ``ntrigger``, ``pixel_mask``; ``/entry/data/data_000001``... external links
  to the data files' ``/entry/data/data`` (uint32 stacks chunked one image per chunk,
  bitshuffle + LZ4, HDF5 filter 32008, attributes ``image_nr_low``/``image_nr_high``),
  the module gaps at 0xFFFFFFFF;
- a Pilatus mini-CBF: ``###CBF: VERSION``, ``_array_data.header_contents`` lines ``# Key
  value units``, a MIME binary section ``x-CBF_BYTE_OFFSET`` after the 0C 1A 04 D5 mark.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import hdf5plugin
import numpy as np

GAP = 0xFFFFFFFF


def frames(count: int, height: int, width: int, seed: int = 7) -> np.ndarray:
    """``count`` uint32 frames: a low background, a ring, a few spots; a gap row and column
    at the type's maximum, as between Eiger modules."""
    rng = np.random.default_rng(seed)
    stack = rng.poisson(3.0, size=(count, height, width)).astype(np.uint32)
    y, x = np.mgrid[0:height, 0:width]
    ring = np.abs(np.hypot(x - width / 2, y - height / 2) - min(height, width) / 3) < 1.5
    stack[:, ring] += 20
    for n in range(count):
        stack[n, 2 + n % 5, 3] = 5000 + n  # a spot brighter than mean + 3 sigma
    stack[:, height // 2, :] = GAP
    stack[:, :, width // 2] = GAP
    return stack


def write_data_file(path: Path, stack: np.ndarray, first: int, *, compression="bslz4") -> None:
    with h5py.File(path, "w") as out:
        entry = out.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        data = entry.create_group("data")
        data.attrs["NX_class"] = "NXdata"
        filters = hdf5plugin.Bitshuffle(cname="lz4") if compression == "bslz4" else {}
        if compression == "gzip":
            filters = {"compression": "gzip"}
        dataset = data.create_dataset("data", data=stack, chunks=(1, *stack.shape[1:]), **filters)
        dataset.attrs["image_nr_low"] = np.uint64(first)
        dataset.attrs["image_nr_high"] = np.uint64(first + stack.shape[0] - 1)


def _number(group, name: str, value, units: str | None = None):
    dataset = group.create_dataset(name, data=value)
    if units is not None:
        dataset.attrs["units"] = units
    return dataset


def write_eiger_master(
    directory: Path,
    prefix: str,
    stack: np.ndarray,
    *,
    per_file: int = 5,
    link_prefix: str = "",
    mask: np.ndarray | None = None,
    inline: bool = False,
    distance_units: str = "m",
) -> Path:
    """``<prefix>_master.h5`` and its ``<prefix>_data_00000N.h5`` data files (or, with
    ``inline``, the stack in the master's ``/entry/data/data``, gzip)."""
    count, height, width = stack.shape
    master_path = directory / f"{prefix}_master.h5"
    with h5py.File(master_path, "w") as master:
        entry = master.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.create_dataset("definition", data="NXmx")
        instrument = entry.create_group("instrument")
        instrument.attrs["NX_class"] = "NXinstrument"
        beam = instrument.create_group("beam")
        beam.attrs["NX_class"] = "NXbeam"
        _number(beam, "incident_wavelength", np.float32(0.9763), "angstrom")
        detector = instrument.create_group("detector")
        detector.attrs["NX_class"] = "NXdetector"
        distance = 0.2497 if distance_units == "m" else 249.7
        _number(detector, "detector_distance", distance, distance_units)
        _number(detector, "x_pixel_size", np.float32(7.5e-05), "m")
        _number(detector, "y_pixel_size", np.float32(7.5e-05), "m")
        _number(detector, "beam_center_x", np.float32(width / 2 + 1.25), "pixel")
        _number(detector, "beam_center_y", np.float32(height / 2 - 0.75), "pixel")
        _number(detector, "count_time", 0.004, "s")
        _number(detector, "frame_time", 0.0041, "s")
        _number(detector, "sensor_thickness", np.float32(0.00045), "m")
        detector.create_dataset("sensor_material", data="Si")
        detector.create_dataset("description", data="Dectris EIGER2 Si 16M")
        _number(detector, "saturation_value", np.int64(1000))
        _number(detector, "bit_depth_image", np.uint32(32))
        specific = detector.create_group("detectorSpecific")
        _number(specific, "x_pixels_in_detector", np.uint32(width))
        _number(specific, "y_pixels_in_detector", np.uint32(height))
        _number(specific, "countrate_correction_count_cutoff", np.uint32(1000))
        _number(specific, "nimages", np.uint64(count))
        _number(specific, "ntrigger", np.uint64(1))
        if mask is not None:
            specific.create_dataset("pixel_mask", data=mask.astype(np.uint32))
        data = entry.create_group("data")
        data.attrs["NX_class"] = "NXdata"
        if inline:
            data.create_dataset("data", data=stack, chunks=(1, height, width), compression="gzip")
        else:
            for index, start in enumerate(range(0, count, per_file), start=1):
                name = f"{prefix}_data_{index:06d}.h5"
                write_data_file(directory / name, stack[start : start + per_file], start + 1)
                data[f"data_{index:06d}"] = h5py.ExternalLink(
                    f"{link_prefix}{name}", "/entry/data/data"
                )
    return master_path


def byte_offset_encode(values: np.ndarray) -> bytes:
    """CBF's byte-offset compression, written out from its definition: each pixel as the
    difference from the previous one (the first from 0): one signed byte if it fits in
    -127..127, else 0x80 and a little-endian int16 if it fits in -32767..32767, else
    0x80 0x00 0x80 and a little-endian int32."""
    out = bytearray()
    previous = 0
    for value in values.reshape(-1).tolist():
        delta = value - previous
        previous = value
        if -127 <= delta <= 127:
            out += delta.to_bytes(1, "little", signed=True)
        elif -32767 <= delta <= 32767:
            out += b"\x80" + delta.to_bytes(2, "little", signed=True)
        else:
            out += b"\x80\x00\x80" + delta.to_bytes(4, "little", signed=True)
    return bytes(out)


def write_cbf(path: Path, image: np.ndarray, *, header_extra: str = "") -> None:
    """A Pilatus mini-CBF of one int32 image."""
    height, width = image.shape
    binary = byte_offset_encode(image.astype(np.int64))
    header = (
        "# Detector: PILATUS3 6M, S/N 60-0128\r\n"
        "# 2026-12-03T10:00:00.000\r\n"
        "# Pixel_size 172e-6 m x 172e-6 m\r\n"
        "# Silicon sensor, thickness 0.001000 m\r\n"
        "# Exposure_time 0.0970000 s\r\n"
        "# Count_cutoff 1048500 counts\r\n"
        "# Wavelength 0.97625 A\r\n"
        "# Detector_distance 0.30000 m\r\n"
        "# Beam_xy (1231.50, 1263.50) pixels\r\n" + header_extra
    )
    text = (
        "###CBF: VERSION 1.5, CBFlib v0.7.8 - PILATUS detectors\r\n\r\n"
        "data_insulin_1_0001\r\n\r\n"
        '_array_data.header_convention "PILATUS_1.2"\r\n'
        "_array_data.header_contents\r\n;\r\n" + header + ";\r\n\r\n"
        "_array_data.data\r\n;\r\n--CIF-BINARY-FORMAT-SECTION--\r\n"
        "Content-Type: application/octet-stream;\r\n"
        '     conversions="x-CBF_BYTE_OFFSET"\r\n'
        "Content-Transfer-Encoding: BINARY\r\n"
        f"X-Binary-Size: {len(binary)}\r\n"
        "X-Binary-ID: 1\r\n"
        'X-Binary-Element-Type: "signed 32-bit integer"\r\n'
        "X-Binary-Element-Byte-Order: LITTLE_ENDIAN\r\n"
        f"X-Binary-Number-of-Elements: {width * height}\r\n"
        f"X-Binary-Size-Fastest-Dimension: {width}\r\n"
        f"X-Binary-Size-Second-Dimension: {height}\r\n"
        "X-Binary-Size-Padding: 4095\r\n\r\n"
    )
    path.write_bytes(
        text.encode("latin-1")
        + b"\x0c\x1a\x04\xd5"
        + binary
        + b"\x00" * 16
        + b"\r\n--CIF-BINARY-FORMAT-SECTION----\r\n;\r\n"
    )

"""A small Eiger master for the demo's lysozyme sweep (``make run``), so the image viewer's
routes answer: ``lyso_1_master.h5`` and two bitshuffle/LZ4 data files of 5 images each
(256 x 256: a background, powder-like rings, a few spots, the module gaps), with the
sweep's wavelength, distance and beam centre. Written once, under the demo's file root."""

from __future__ import annotations

from pathlib import Path

SIZE = 256
IMAGES = 10
PER_FILE = 5


def write_demo_master(directory: Path, prefix: str = "lyso_1") -> Path | None:
    """The master's path (written if missing); None without h5py (core's hdf5 extra)."""
    try:
        import h5py
        import hdf5plugin
        import numpy as np
    except ImportError:
        return None
    master_path = directory / f"{prefix}_master.h5"
    if master_path.is_file():
        return master_path
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    radius = np.hypot(x - 129.5, y - 125.25)
    rings = sum(30 * np.exp(-((radius - r) ** 2) / 8) for r in (40, 71, 96, 118))
    stack = np.empty((IMAGES, SIZE, SIZE), dtype=np.uint32)
    for n in range(IMAGES):
        frame = rng.poisson(2 + rings * (1 + 0.05 * n)).astype(np.uint32)
        for _ in range(25):
            sy, sx = rng.integers(8, SIZE - 8, size=2)
            frame[sy - 1 : sy + 2, sx - 1 : sx + 2] += np.uint32(rng.integers(200, 3000))
        frame[:, 127:129] = 0xFFFFFFFF  # the gap between two modules
        stack[n] = frame
    for index in range(IMAGES // PER_FILE):
        name = f"{prefix}_data_{index + 1:06d}.h5"
        with h5py.File(directory / name, "w") as out:
            entry = out.create_group("entry")
            entry.attrs["NX_class"] = "NXentry"
            data = entry.create_group("data")
            data.attrs["NX_class"] = "NXdata"
            images = data.create_dataset(
                "data",
                data=stack[index * PER_FILE : (index + 1) * PER_FILE],
                chunks=(1, SIZE, SIZE),
                **hdf5plugin.Bitshuffle(cname="lz4"),
            )
            images.attrs["image_nr_low"] = index * PER_FILE + 1
            images.attrs["image_nr_high"] = (index + 1) * PER_FILE
    partial = directory / f".{prefix}_master.h5.part"
    with h5py.File(partial, "w") as master:
        entry = master.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry["definition"] = "NXmx"
        beam = entry.create_group("instrument/beam")
        beam.attrs["NX_class"] = "NXbeam"
        detector = entry.create_group("instrument/detector")
        detector.attrs["NX_class"] = "NXdetector"
        for group, name, value, units in (
            (beam, "incident_wavelength", 0.9763, "angstrom"),
            (detector, "detector_distance", 0.2497, "m"),
            (detector, "beam_center_x", 129.5, "pixel"),
            (detector, "beam_center_y", 125.25, "pixel"),
            (detector, "x_pixel_size", 7.5e-5 * 16, "m"),
            (detector, "y_pixel_size", 7.5e-5 * 16, "m"),
            (detector, "count_time", 0.004, "s"),
            (detector, "sensor_thickness", 0.00045, "m"),
        ):
            group[name] = value
            group[name].attrs["units"] = units
        detector["description"] = "Dectris EIGER2 X 16M (demo, binned to 256 x 256)"
        detector["sensor_material"] = "Si"
        detector["saturation_value"] = np.int64(2800)
        detector["bit_depth_image"] = np.uint32(32)
        specific = detector.create_group("detectorSpecific")
        specific["x_pixels_in_detector"] = np.uint32(SIZE)
        specific["y_pixels_in_detector"] = np.uint32(SIZE)
        specific["nimages"] = np.uint64(IMAGES)
        specific["ntrigger"] = np.uint64(1)
        data = entry.create_group("data")
        data.attrs["NX_class"] = "NXdata"
        for index in range(IMAGES // PER_FILE):
            data[f"data_{index + 1:06d}"] = h5py.ExternalLink(
                f"{prefix}_data_{index + 1:06d}.h5", "/entry/data/data"
            )
    partial.rename(master_path)
    return master_path

"""Small real images for the demo's rows (``make run``), so the running stack shows files.

Written under ``$ISPYB_VAR_DIR/demo-files``, the file root ``make run`` configures; without
ISPYB_VAR_DIR (tests seeding the demo) no file is written and rows name none.
"""

from __future__ import annotations

import os
from pathlib import Path


def demo_files_dir() -> Path | None:
    var_dir = os.environ.get("ISPYB_VAR_DIR")
    return Path(var_dir) / "demo-files" if var_dir else None


def demo_snapshot(name: str, shade: int) -> str | None:
    """The path of a 320x240 JPEG 'crystal snapshot' (a ring on a coloured background)."""
    directory = demo_files_dir()
    if directory is None:
        return None
    path = directory / f"{name}.jpg"
    if not path.is_file():
        from PIL import Image, ImageDraw

        directory.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (320, 240), (20, 40 + shade % 150, 90))
        ImageDraw.Draw(image).ellipse((110, 70, 210, 170), outline=(250, 250, 210), width=6)
        image.save(path, "JPEG", quality=85)
    return str(path)


def demo_image_directory(name: str) -> str | None:
    """A directory of demo detector files (an Eiger master ``<name>_master.h5`` and its
    data files), ending with '/'; None without ISPYB_VAR_DIR or without core's hdf5 extra."""
    directory = demo_files_dir()
    if directory is None:
        return None
    from .detector_images.demo import write_demo_master

    target = directory / "detector"
    return f"{target}/" if write_demo_master(target, name) is not None else None


def demo_plot(name: str, values: list[float]) -> str | None:
    """The path of a 400x200 PNG line plot of ``values`` (the per-image analysis plot)."""
    directory = demo_files_dir()
    if directory is None:
        return None
    path = directory / f"{name}.png"
    if not path.is_file():
        from PIL import Image, ImageDraw

        directory.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (400, 200), (250, 250, 250))
        top = max(values) or 1.0
        points = [
            (10 + 380 * index / max(len(values) - 1, 1), 190 - 170 * value / top)
            for index, value in enumerate(values)
        ]
        ImageDraw.Draw(image).line(points, fill=(30, 90, 200), width=2)
        image.save(path, "PNG")
    return str(path)


def demo_text(name: str, text: str) -> str | None:
    """The path of a small text file (a pipeline's log)."""
    directory = demo_files_dir()
    if directory is None:
        return None
    path = directory / name
    if not path.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(path)

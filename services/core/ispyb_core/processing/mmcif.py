"""A result's statistics as an mmCIF fragment for PDB deposition.

Categories ``reflns`` (overall) and ``reflns_shell`` (one row per resolution shell) with
the PDBx/mmCIF item names the PDB's deposition system reads. Units follow the
dictionary: resolution in Å, completeness in percent, CC½ as a fraction (core serves
percent, whatever convention the pipeline wrote: see conventions.py), R-factors as
fractions. Numbers keep the precision they are stored with.
"""

from __future__ import annotations

from .service import Result

_OVERALL_ITEMS = (
    ("d_resolution_low", "resolutionLimitLow"),
    ("d_resolution_high", "resolutionLimitHigh"),
    ("number_obs", "nTotalUniqueObservations"),
    ("pdbx_number_measured_all", "nTotalObservations"),
    ("percent_possible_obs", "completeness"),
    ("pdbx_redundancy", "multiplicity"),
    ("pdbx_Rmerge_I_obs", "rMerge"),
    ("pdbx_Rrim_I_all", "rMeasAllIPlusIMinus"),
    ("pdbx_Rpim_I_all", "rPimAllIPlusIMinus"),
    ("pdbx_netI_over_sigmaI", "meanIOverSigI"),
    ("pdbx_CC_half", "ccHalf"),
)
_SHELL_ITEMS = (
    ("d_res_high", "resolutionLimitHigh"),
    ("d_res_low", "resolutionLimitLow"),
    ("number_unique_obs", "nTotalUniqueObservations"),
    ("number_measured_obs", "nTotalObservations"),
    ("percent_possible_all", "completeness"),
    ("pdbx_redundancy", "multiplicity"),
    ("Rmerge_I_obs", "rMerge"),
    ("pdbx_Rrim_I_all", "rMeasAllIPlusIMinus"),
    ("pdbx_Rpim_I_all", "rPimAllIPlusIMinus"),
    ("meanI_over_sigI_obs", "meanIOverSigI"),
    ("pdbx_CC_half", "ccHalf"),
)
_PERCENT_TO_FRACTION = {"ccHalf"}


def _value(statistics, attribute: str) -> str:
    value = getattr(statistics, attribute, None) if statistics is not None else None
    if value is None:
        return "?"
    if attribute in _PERCENT_TO_FRACTION:
        value = value / 100.0
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    # ISPyB stores single precision (about 7 significant digits): print all of them and
    # nothing beyond, so 129.88 stays 129.88 (not 129.9, nor 129.8800048828125).
    return f"{value:.7g}"


def mmcif_fragment(result: Result, *, data_name: str) -> str:
    """``data_name`` becomes the data block name and entry id (letters, digits, _)."""
    overall = result.statistics.get("overall")
    lines = [f"data_{data_name}", "#"]
    width = max(len(f"_reflns.{item}") for item, _ in _OVERALL_ITEMS) + 1
    lines.append(f"{'_reflns.entry_id':<{width}} {data_name}")
    lines.append(f"{'_reflns.pdbx_diffrn_id':<{width}} 1")
    lines.append(f"{'_reflns.pdbx_ordinal':<{width}} 1")
    for item, attribute in _OVERALL_ITEMS:
        lines.append(f"{'_reflns.' + item:<{width}} {_value(overall, attribute)}")
    lines += ["#", "loop_", "_reflns_shell.pdbx_diffrn_id", "_reflns_shell.pdbx_ordinal"]
    lines += [f"_reflns_shell.{item}" for item, _ in _SHELL_ITEMS]
    for ordinal, shell in enumerate(("innerShell", "outerShell"), start=1):
        statistics = result.statistics.get(shell)
        values = [_value(statistics, attribute) for _, attribute in _SHELL_ITEMS]
        lines.append(" ".join(["1", str(ordinal), *values]))
    lines.append("#")
    return "\n".join(lines) + "\n"

"""Every setting the gateway tool reads from the environment is in the README's table."""

import re

from tests.gateway.support import ROOT


def test_every_gateway_setting_is_in_the_readme():
    source = "\n".join(
        path.read_text() for path in (ROOT / "gateway" / "ispyb_gateway").glob("*.py")
    )
    read = set(re.findall(r"\bISPYB_GATEWAY_[A-Z_]+\b", source))
    assert read >= {"ISPYB_GATEWAY_PORT", "ISPYB_GATEWAY_CORS_ORIGINS"}
    readme = (ROOT / "README.md").read_text()
    table = {line.split("`")[1] for line in readme.splitlines() if line.startswith("| `ISPYB_")}
    assert read <= table, f"not in the README's gateway settings: {sorted(read - table)}"

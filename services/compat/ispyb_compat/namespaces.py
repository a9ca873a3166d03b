"""Every namespace compat serves, in one list: a dialect (or a lane adding routes to one)
adds its namespaces here and nowhere else."""

from __future__ import annotations

from flask_restx import Namespace


def namespaces() -> list[Namespace]:
    """The namespaces of the app, in the order they are documented."""
    from .java.api import namespaces as java
    from .pyispyb.api import namespaces as pyispyb
    from .pyispyb.beamline.api import NAMESPACES as pyispyb_beamline
    from .pyispyb.datacollections.api import NAMESPACES as pyispyb_datacollections
    from .pyispyb.processings.api import NAMESPACES as pyispyb_processings
    from .pyispyb.ssx.api import NAMESPACES as pyispyb_ssx
    from .pyispyb.workflows.api import NAMESPACES as pyispyb_workflows

    return [
        *pyispyb(),
        *pyispyb_processings,
        *pyispyb_beamline,
        *pyispyb_datacollections,
        *pyispyb_ssx,
        *pyispyb_workflows,
        *java(),
    ]

"""Every namespace compat serves, in one list: a dialect (or a lane adding routes to one)
adds its namespaces here and nowhere else."""

from __future__ import annotations

from flask_restx import Namespace


def namespaces() -> list[Namespace]:
    """The namespaces of the app, in the order they are documented."""
    from .java.api import namespaces as java
    from .pyispyb.api import namespaces as pyispyb
    from .pyispyb.beamline.api import NAMESPACES as pyispyb_beamline
    from .pyispyb.compatevents.api import NAMESPACES as pyispyb_compatevents
    from .pyispyb.datacollections.api import NAMESPACES as pyispyb_datacollections
    from .pyispyb.dcquality.api import NAMESPACES as pyispyb_dcquality
    from .pyispyb.h5images.api import NAMESPACES as pyispyb_h5images
    from .pyispyb.processings.api import NAMESPACES as pyispyb_processings
    from .pyispyb.samples.api import NAMESPACES as pyispyb_samples
    from .pyispyb.shipping.api import NAMESPACES as pyispyb_shipping
    from .pyispyb.ssx.api import NAMESPACES as pyispyb_ssx
    from .pyispyb.workflows.api import NAMESPACES as pyispyb_workflows

    return [
        *pyispyb(),
        *pyispyb_processings,
        *pyispyb_beamline,
        *pyispyb_datacollections,
        *pyispyb_ssx,
        *pyispyb_compatevents,
        *pyispyb_shipping,
        *pyispyb_h5images,
        *pyispyb_dcquality,
        *pyispyb_samples,
        *pyispyb_workflows,
        *java(),
    ]

"""Print, as JSON, the services `docker-compose up` would start; run with Debian's python3.

Usage: /usr/bin/python3 compose_services.py PROJECT_DIR ENV_FILE [--scale]

With --scale: each service with the number of containers `up` starts for it.

docker-compose 1.29 is a Python program, installed for the system's python3 (not the
project's venv). This asks its own code which services an `up` with this env file
starts: the same profile and dependency rules, no docker daemon needed (there is none
on the test machines; network and volume look-ups answer "does not exist yet").
"""

import json
import sys

from compose.cli.command import get_profiles_from_options
from compose.config import config
from compose.config.environment import Environment
from compose.project import Project
from docker.errors import NotFound


class NoDaemon:
    """Stands in for the docker client: nothing exists yet, and nothing else is asked."""

    _version = "1.41"

    def inspect_network(self, name):
        raise NotFound(f"network {name}")

    def inspect_volume(self, name):
        raise NotFound(f"volume {name}")


def main(project_dir: str, env_file: str, scale: bool = False) -> None:
    environment = Environment.from_env_file(project_dir, env_file)
    details = config.find(project_dir, ["docker-compose.yml"], environment)
    data = config.load(details)
    profiles = get_profiles_from_options({}, environment)
    project = Project.from_config("ispyb", data, NoDaemon(), enabled_profiles=profiles)
    services = project.get_services(include_deps=True)
    if scale:
        print(json.dumps({service.name: service.scale_num for service in services}))
    else:
        print(json.dumps(sorted(service.name for service in services)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--scale" in sys.argv[3:])

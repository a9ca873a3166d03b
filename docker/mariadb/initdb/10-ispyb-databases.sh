# One database and one user per deployed ISPyB service, so that a service can only touch
# its own tables. The MariaDB image sources this file once, when it initialises an empty
# data directory (it is deliberately not executable: sourced, it can use the image's
# docker_process_sql, which runs SQL as root over the local socket).
#
# Environment (from docker-compose.yml, i.e. from .env):
#   ISPYB_SERVICES               the deployed services, comma- or space-separated
#   ISPYB_<SERVICE>_DB_PASSWORD  the password of each deployed service's user
# Database ispyb_<service>, user <service>@'%' (none for compat, which owns no database).
# Re-running changes nothing that exists.

ispyb_create_databases() {
    local services="${ISPYB_SERVICES:?ISPYB_SERVICES is not set}"
    local service password_variable password sql=""
    for service in ${services//,/ }; do
        if [[ ! "$service" =~ ^[a-z][a-z0-9]*$ ]]; then
            echo "10-ispyb-databases.sh: bad service name '$service' in ISPYB_SERVICES" >&2
            return 1
        fi
        if [[ "$service" == "compat" ]]; then
            continue  # compat owns no database
        fi
        password_variable="ISPYB_${service^^}_DB_PASSWORD"
        password="${!password_variable:-}"
        if [[ -z "$password" ]]; then
            echo "10-ispyb-databases.sh: $password_variable is not set" >&2
            return 1
        fi
        # A SQL string literal: backslashes and quotes escaped.
        password="${password//\\/\\\\}"
        password="${password//\'/\\\'}"
        sql+="CREATE DATABASE IF NOT EXISTS \`ispyb_${service}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '${service}'@'%' IDENTIFIED BY '${password}';
GRANT ALL PRIVILEGES ON \`ispyb_${service}\`.* TO '${service}'@'%';
"
    done
    printf '%s' "$sql" | docker_process_sql
    echo "10-ispyb-databases.sh: databases and users for: ${services//,/ }"
}

ispyb_create_databases

#!/usr/bin/env bash
# Install the Debian packages that parts of the project need, by group.
#
# Usage: tools/install-system-deps.sh GROUP...
#
# Groups:
#   test     mariadb-server mariadb-client  (throwaway MariaDB for the tests)
#   gateway  nginx, its brotli filter module
#   ldap     slapd ldap-utils
#   browser  chromium chromium-driver
#   deck     deck lua5.1                    (Kong's declarative config tool; Lua 5.1, the
#                                           language of kong.yml's custom_fields_by_lua)
#   compose  docker-compose
#   venv     python3-venv                   (only when venv/ensurepip is missing)
#   bench    wrk, and what building mysqlclient needs: gcc, pkg-config, libmariadb-dev,
#            python3-dev                    (make bench)
#
# Idempotent: a package is installed only when its main binary is missing, and
# `apt-get update` runs at most once, only when something must be installed.
# Daemons are never started by the install: the tests and tools start private
# instances themselves, and a system-wide MariaDB/nginx/slapd would hold the
# default ports and waste memory (there is no systemd in our containers anyway).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

readonly POLICY_RC_D=/usr/sbin/policy-rc.d

usage() {
    sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

# True when any of the given commands is on PATH or executable in the sbin/bin
# dirs (non-root users often lack /usr/sbin in PATH).
have_cmd() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1 ||
            [[ -x "/usr/sbin/$name" || -x "/usr/bin/$name" ]]; then
            return 0
        fi
    done
    return 1
}

# Debian splits venv/ensurepip out of python3; `-m venv --help` alone succeeds
# without ensurepip, yet creating a venv then fails, so check both.
have_venv() {
    python3 -m venv --help >/dev/null 2>&1 &&
        python3 -c 'import ensurepip' >/dev/null 2>&1
}

# Print the packages of group $1 whose main binary is missing (space-separated).
missing_packages() {
    local missing=()
    case "$1" in
    test)
        have_cmd mariadbd mysqld || missing+=(mariadb-server)
        have_cmd mariadb mysql || missing+=(mariadb-client)
        ;;
    gateway)
        have_cmd nginx || missing+=(nginx)
        # Brotli compression, as Kong bundles it (ngx_brotli).
        [ -e /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so ] \
            || missing+=(libnginx-mod-http-brotli-filter)
        ;;
    ldap)
        have_cmd slapd || missing+=(slapd)
        have_cmd ldapsearch || missing+=(ldap-utils)
        ;;
    browser)
        have_cmd chromium || missing+=(chromium)
        have_cmd chromedriver || missing+=(chromium-driver)
        ;;
    deck)
        have_cmd deck || missing+=(deck)
        have_cmd lua5.1 || missing+=(lua5.1)
        ;;
    compose)
        have_cmd docker-compose || missing+=(docker-compose)
        ;;
    venv)
        have_venv || missing+=(python3-venv)
        ;;
    bench)
        have_cmd wrk || missing+=(wrk)
        have_cmd gcc || missing+=(gcc)
        have_cmd pkg-config || missing+=(pkg-config)
        [[ -e /usr/include/mariadb/mysql.h ]] || missing+=(libmariadb-dev)
        python3 -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' || missing+=(python3-dev)
        ;;
    *)
        echo "unknown group: $1" >&2
        usage
        ;;
    esac
    echo "${missing[*]}"
}

# Make invoke-rc.d/deb-systemd-invoke refuse to start services (exit 101) while
# apt runs; a pre-existing policy (e.g. Docker's) is put back afterwards.
block_service_starts() {
    POLICY_BACKUP=""
    if [[ -e "$POLICY_RC_D" ]]; then
        POLICY_BACKUP=$(mktemp)
        cp -p "$POLICY_RC_D" "$POLICY_BACKUP"
    fi
    trap restore_service_policy EXIT
    # Turn signals into a normal exit so the EXIT trap still restores the policy.
    trap 'exit 130' INT TERM HUP
    printf '#!/bin/sh\n# Installed by tools/install-system-deps.sh\nexit 101\n' >"$POLICY_RC_D"
    chmod 755 "$POLICY_RC_D"
}

restore_service_policy() {
    if [[ -n "$POLICY_BACKUP" ]]; then
        cp -p "$POLICY_BACKUP" "$POLICY_RC_D"
        rm -f "$POLICY_BACKUP"
    else
        rm -f "$POLICY_RC_D"
    fi
}

main() {
    [[ $# -gt 0 ]] || usage

    local group missing
    local -A group_missing=()
    local all_missing=()
    for group in "$@"; do
        missing=$(missing_packages "$group")
        group_missing[$group]=$missing
        # shellcheck disable=SC2206  # word-splitting the package list is intended
        all_missing+=($missing)
    done

    if [[ ${#all_missing[@]} -gt 0 ]]; then
        if [[ $EUID -ne 0 ]]; then
            if command -v sudo >/dev/null 2>&1; then
                exec sudo DEBIAN_FRONTEND=noninteractive bash "$0" "$@"
            fi
            echo "missing packages; run as root:" >&2
            echo "  apt-get update && apt-get install -y --no-install-recommends ${all_missing[*]}" >&2
            exit 1
        fi
        block_service_starts
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${all_missing[@]}" >/dev/null
    fi

    local still_missing=0
    for group in "$@"; do
        if [[ -z "${group_missing[$group]}" ]]; then
            echo "$group: ok"
        elif [[ -n "$(missing_packages "$group")" ]]; then
            echo "$group: FAILED, still missing after installing ${group_missing[$group]}" >&2
            still_missing=1
        else
            echo "$group: installed ${group_missing[$group]}"
        fi
    done
    return "$still_missing"
}

main "$@"

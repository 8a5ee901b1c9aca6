#!/bin/sh
# hokoku alert command: called after a job's last failed try with
#   $1 job id, $2 period(s), $3 error
# and HOKOKU_JOB, HOKOKU_TITLE, HOKOKU_PERIOD, HOKOKU_SCHEDULED_AT,
# HOKOKU_ATTEMPTS, HOKOKU_ERROR in the environment. Replace it with what your
# operations centre watches (a ticket, a chat webhook, a pager).
set -eu
mkdir -p outputs
error=$(printf '%s' "$3" | tr '\n' ' ')
printf '%s\t%s\t%s\t%s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$1" "$2" "$error" >> outputs/alerts.log
if command -v logger >/dev/null 2>&1; then
    logger -t hokoku -p user.err "job $1 ($2) failed: $error" || true
fi

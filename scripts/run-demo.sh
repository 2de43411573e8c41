#!/usr/bin/env bash
# `make run`: the main job. Prints the version and the devices this build can use.
set -euo pipefail
bin="$1"; model="${2:-}"; out="${3:-out}"
"$bin" --version
"$bin" devices

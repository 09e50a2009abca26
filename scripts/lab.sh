#!/usr/bin/env bash
# Install reglab with the browser lab and start it (arguments pass to `reglab serve`).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e ".[lab]"
exec reglab serve "$@"

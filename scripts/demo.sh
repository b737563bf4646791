#!/usr/bin/env bash
# The main job: a demo cluster carrying real strongSwan negotiations
# through a load-sharing split, failing without ikefwd and coming up with
# it (tests/e2e/demo.sh does the work; it installs, builds, sets up and
# tears down everything itself).
exec "$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/demo.sh" "$@"

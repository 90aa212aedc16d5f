#!/bin/sh
# Regenerate tests/expected/policy/*.dump after a deliberate policy change:
# the diff of these files is what a reviewer reads.
set -eu
cd "$(dirname "$0")/.."
for p in policy/seccomp/*.policy; do
	build/bin/retrace-policy dump "$p" >"tests/expected/policy/$(basename "$p" .policy).dump"
done
git diff --stat tests/expected/policy || true

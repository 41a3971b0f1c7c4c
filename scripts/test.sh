#!/usr/bin/env bash
# The full test suite: set-up, type-check, lint, unit tests, then end-to-end tests on real
# Docker. Exits non-zero on the first failing stage and says which.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

stage() { printf '\n==> %s\n' "$1"; shift; "$@" || { printf '\ntest.sh: stage failed: %s\n' "$*" >&2; exit 1; }; }

stage "type-check (tsc --noEmit, strict)" npx --no-install tsc -p tsconfig.json --noEmit
stage "type-check the dashboard's browser modules (checkJs)" npx --no-install tsc -p src/api/dashboard/web --noEmit
stage "lint (eslint)" npx --no-install eslint src test bench deploy
# Node 20 does not expand globs given to --test: list the files here.
mapfile -t files < <(find test/unit test/e2e -name '*.test.ts' | sort)
stage "tests (node --test, ${#files[@]} files)" node --import tsx --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"

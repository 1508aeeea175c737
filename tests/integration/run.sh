#!/bin/bash
# Run the root integration tests given as arguments, each in its own sandbox
# (they re-execute themselves under unshare), with a time limit each.  Prints
# every test's output on failure and a closing "N passed, N failed" line.
set -uo pipefail
passed=0 failed=0 skipped=0
logdir=${VNET_TEST_LOGDIR:-$(mktemp -d)}
mkdir -p "$logdir"
for t in "$@"; do
	name=$(basename "$t" .sh)
	start=$SECONDS
	timeout -k 10 "${VNET_TEST_TIMEOUT:-300}" bash "$t" >"$logdir/$name.log" 2>&1
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); echo "PASS: $name ($((SECONDS - start)) s)" ;;
	77) skipped=$((skipped + 1)); echo "SKIP: $name: $(tail -n 1 "$logdir/$name.log")" ;;
	*) failed=$((failed + 1)); echo "FAIL: $name (exit $rc, $((SECONDS - start)) s)"
	   sed 's/^/    /' "$logdir/$name.log" | grep -v '^    ok ' | tail -n 60 ;;
	esac
done
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

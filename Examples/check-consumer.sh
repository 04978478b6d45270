#!/usr/bin/env bash
# Proves that Slope works as a versioned dependency, the way a user adds it:
#
#   1. clones this repository's HEAD into a temporary directory, lays the working tree
#      over it (tracked and untracked files that git does not ignore, so uncommitted work
#      is what gets tested), commits that, and tags it with the version in VERSION;
#   2. copies Examples/ConsumerPackage next to it and runs `swift test` there, with
#      `.package(url: "file://…/slope", from: "0.3.0")` resolving to that tag;
#   3. runs the package's own CI gate (MyLayersGate, SlopeGate over its registry): exit
#      statuses, JUnit named after the suite, --replay, the PyTorch fixtures of LayerNorm;
#   4. checks that the tag is what SwiftPM resolved, then removes the temporary directory.
#
# Everything (clone, build products, SwiftPM's caches) stays in the temporary directory.
# CONSUMER_TIMEOUT bounds the build and test, in seconds (default 900). Called by `make test`.
set -euo pipefail

swift=${SWIFT:-swift}
limit=${CONSUMER_TIMEOUT:-900}
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d '[:space:]' <"$repo/VERSION")

fail() {
    echo "check-consumer: $*" >&2
    exit 1
}

[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "VERSION holds '$version', not a version like 0.2.0"
grep -q "from: \"$version\"" "$repo/README.md" ||
    fail "README.md does not show the dependency line with from: \"$version\" (VERSION says $version)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slope-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS

# 1. The tagged Slope. The directory's name is the package's identity ("slope").
head=$(git -C "$repo" rev-parse HEAD)
git clone -q --no-hardlinks "$repo" "$tmp/slope"
git -C "$tmp/slope" checkout -q --detach "$head"
git -C "$tmp/slope" rm -rq --cached .
find "$tmp/slope" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [[ -e $file ]] && printf '%s\0' "$file"; done |
    tar --null --no-recursion -T - -cf -) | tar -xf - -C "$tmp/slope"
git -C "$tmp/slope" add -A
if ! git -C "$tmp/slope" diff --cached --quiet; then
    git -C "$tmp/slope" -c user.name=check-consumer -c user.email=check-consumer@localhost \
        commit -q -m "working tree of $head"
fi
git -C "$tmp/slope" tag "$version"

# 2. The consumer, built and tested against the tag.
cp -R "$tmp/slope/Examples/ConsumerPackage" "$tmp/consumer"
echo "check-consumer: Examples/ConsumerPackage against Slope $version (file://$tmp/slope)"
if ! (cd "$tmp/consumer" && SLOPE_PACKAGE_URL="file://$tmp/slope" timeout "$limit" \
    "$swift" test --scratch-path "$tmp/build" --cache-path "$tmp/cache" --manifest-cache local \
    >"$tmp/log" 2>&1); then
    cat "$tmp/log" >&2
    fail "the consumer package did not build or pass its tests (above; a timeout after ${limit}s ends with status 124)"
fi

# 3. The package's own CI gate (SlopeGate over its registry), end to end.
bin=$(cd "$tmp/consumer" && SLOPE_PACKAGE_URL="file://$tmp/slope" "$swift" build --scratch-path "$tmp/build" \
    --cache-path "$tmp/cache" --manifest-cache local --show-bin-path)
gate="$bin/MyLayersGate"
[[ -x $gate ]] || fail "the gate executable MyLayersGate was not built"
expect() {  # expect STATUS ARGS...: the gate exits with STATUS
    local want=$1 got=0
    shift
    timeout "$limit" "$gate" "$@" >"$tmp/gate.out" 2>"$tmp/gate.err" || got=$?
    [[ $got == "$want" ]] || { cat "$tmp/gate.out" "$tmp/gate.err" >&2; fail "MyLayersGate $* exited $got, expected $want"; }
}
expect 0 verify --layer LayerNorm --layer LayerNorm/offset
# Layers as written: constant ids, two outputs, Float code in its own types, through the gate.
expect 0 verify --layer Embedding --layer LSTMStep --layer FloatDense
grep -q "input ids  *constant" "$tmp/gate.out" || fail "the gate's table does not name the embedding's ids as constant"
expect 1 verify --format junit -o "$tmp/report.xml"
[[ -n ${CONSUMER_OUTPUT:-} ]] && cp "$tmp/gate.out" "$CONSUMER_OUTPUT"  # the table, for the README
grep -q '<testsuites name="MyLayers verify"' "$tmp/report.xml" || fail "the JUnit report is not named after MyLayers"
grep -q 'classname="MyLayers.verify.BuggyGELU"' "$tmp/report.xml" || fail "the JUnit report has no BuggyGELU case"
grep -q 'the backward of layer 1 (BuggyGELU) is wrong' "$tmp/gate.out" || fail "the network check did not name BuggyGELU"
expect 1 verify --format json -o "$tmp/report.json"
expect 1 verify --format html -o "$tmp/report.html"
grep -q 'alt="error map of BuggyGELU input x"' "$tmp/report.html" || fail "the HTML report has no error map of BuggyGELU"
expect 1 verify --replay "$tmp/report.json" --format json -o "$tmp/replay.json"
grep -q '"target" : "BuggyGELU"' "$tmp/replay.json" || fail "--replay did not re-run BuggyGELU"
! grep -q '"target" : "LayerNorm"' "$tmp/replay.json" || fail "--replay re-ran a check that had passed"
expect 0 verify --fixtures "$tmp/consumer/Fixtures" --layer LayerNorm
grep -q "LayerNorm/rows" "$tmp/gate.out" || fail "the PyTorch fixtures of LayerNorm were not compared"
expect 0 verify --fixtures "$tmp/consumer/Fixtures" --layer LSTMStep
grep -q "LSTMStep/batch4" "$tmp/gate.out" || fail "the JAX fixture of LSTMStep (two outputs) was not compared"
grep -q "output c" "$tmp/gate.out" || fail "the LSTMStep fixture's output c was not compared"
# A layer whose backward traps: its own check fails with the runtime's message and the user's
# frame (file and line), next to a valid report of the others.
expect 1 verify --include-broken --layer LayerNorm --layer OffByOneConv --layer BuggyGELU --format junit -o "$tmp/crash.xml"
grep -q '<testsuite name="LayerNorm" tests="[0-9]*" failures="0" errors="0"' "$tmp/crash.xml" || fail "LayerNorm was lost with the trap"
grep -q '<testsuite name="BuggyGELU"' "$tmp/crash.xml" || fail "BuggyGELU was not checked after the trap"
grep -q '<error message="the check crashed (SIGILL, a Swift runtime trap); it was in the backward pass' "$tmp/crash.xml" ||
    fail "the trap was not an <error> naming the backward pass: $(grep -o '<error[^>]*>' "$tmp/crash.xml")"
grep -q 'Index out of range.*OffByOneConv.backwardInput(_:) at .*OffByOneConv.swift:[0-9]*' "$tmp/crash.xml" ||
    fail "the trap's message or the user's frame and line are missing: $(grep -o '<error[^>]*>' "$tmp/crash.xml")"
expect 2 verify --layer Nope
grep -q 'unknown layer kind "Nope"' "$tmp/gate.err" || fail "an unknown check was not named"
echo "check-consumer: MyLayersGate: JUnit named MyLayers, exit 1 on BuggyGELU, HTML with its error map, replay, PyTorch fixtures, a JAX fixture of two outputs, a trapping layer as one <error> beside the others, exit 2 on bad usage"

# 4. `from:` took the tag, not a branch or a revision.
grep -q "\"version\" : \"$version\"" "$tmp/consumer/Package.resolved" ||
    fail "Package.resolved does not pin Slope at $version: $(cat "$tmp/consumer/Package.resolved")"
grep -E "known issue|Test run with" "$tmp/log" | tail -n 3 || true
echo "check-consumer: passed in $((SECONDS - started)) s"

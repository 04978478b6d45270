#!/usr/bin/env bash
# Proves that Slope works as a versioned dependency, the way a user adds it:
#
#   1. clones this repository's HEAD into a temporary directory, lays the working tree
#      over it (tracked and untracked files that git does not ignore, so uncommitted work
#      is what gets tested), commits that, and tags it with the version in VERSION;
#   2. copies Examples/ConsumerPackage next to it and runs `swift test` there, with
#      `.package(url: "file://…/slope", from: "0.2.0")` resolving to that tag;
#   3. checks that the tag is what SwiftPM resolved, then removes the temporary directory.
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

# 3. `from:` took the tag, not a branch or a revision.
grep -q "\"version\" : \"$version\"" "$tmp/consumer/Package.resolved" ||
    fail "Package.resolved does not pin Slope at $version: $(cat "$tmp/consumer/Package.resolved")"
grep -E "known issue|Test run with" "$tmp/log" | tail -n 3 || true
echo "check-consumer: passed in $((SECONDS - started)) s"

#!/usr/bin/env bash
# `make coverage`: which lines of the layers and kernels does `slope verify` reach by itself?
#
# Builds `slope` with coverage instrumentation (Swift and C) in its own scratch directory,
# runs the default gate (`slope verify`, no flags), and prints llvm-cov's line coverage of
# Sources/SlopeLayers and Sources/CKernels, then every line the gate never ran.
# COVERAGE_MIN (default 95) is the share below which the target fails.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=.build-coverage
MIN=${COVERAGE_MIN:-95}
TOOLS=$(dirname "$(command -v "$SWIFT")")
# The toolchain's own llvm tools: a system llvm-profdata may not read this clang's profiles.
PROFDATA=$TOOLS/llvm-profdata
COV=$TOOLS/llvm-cov
[ -x "$PROFDATA" ] || PROFDATA=llvm-profdata
[ -x "$COV" ] || COV=llvm-cov

"$SWIFT" build --product slope --scratch-path "$SCRATCH" --enable-code-coverage \
  -Xcc -fprofile-instr-generate -Xcc -fcoverage-mapping
BIN=$("$SWIFT" build --scratch-path "$SCRATCH" --show-bin-path)/slope
PROFILES=$(mktemp -d)
trap 'rm -rf "$PROFILES"' EXIT
LLVM_PROFILE_FILE="$PROFILES/verify-%p.profraw" "$BIN" verify >"$PROFILES/verify.txt" || {
  status=$?
  cat "$PROFILES/verify.txt"
  echo "coverage: slope verify exited $status; coverage of a red gate means nothing" >&2
  exit 1
}
"$PROFDATA" merge -sparse "$PROFILES"/*.profraw -o "$PROFILES/verify.profdata"
SOURCES=(Sources/SlopeLayers Sources/CKernels)
"$COV" report "$BIN" -instr-profile "$PROFILES/verify.profdata" "${SOURCES[@]}" \
  | awk 'NF >= 10 { printf "%-34s %8s %8s %8s\n", $1, $(NF-5), $(NF-4), $(NF-3) }' | sed 's/^Filename /file     /'
echo
echo "lines slope verify never ran:"
"$COV" show "$BIN" -instr-profile "$PROFILES/verify.profdata" "${SOURCES[@]}" -show-line-counts \
  -use-color=false | awk '
    /^\/.*:$/ { file = $0; sub(/:$/, "", file); sub(/.*\/Sources\//, "Sources/", file); next }
    /^ *[0-9]+\| *0\|/ { split($0, parts, "|"); line = parts[1] + 0; text = parts[3]; sub(/^ +/, "", text)
                         printf "  %s:%d  %s\n", file, line, text }'
total=$("$COV" report "$BIN" -instr-profile "$PROFILES/verify.profdata" "${SOURCES[@]}" | awk '/^TOTAL/ { print $(NF-3) }')
echo
echo "coverage: $total of the lines in Sources/SlopeLayers and Sources/CKernels ran under \`slope verify\` (aim ≥ $MIN%)"
awk -v got="${total%\%}" -v min="$MIN" 'BEGIN { exit (got + 0 >= min + 0) ? 0 : 1 }' || {
  echo "coverage: below $MIN%" >&2
  exit 1
}

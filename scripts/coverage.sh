#!/usr/bin/env bash
# `make coverage`: which lines of the layers and kernels does `slope verify` reach by itself?
#
# Builds `slope` with coverage instrumentation (Swift and C) in its own scratch directory,
# runs the default gate (`slope verify`, no flags), and prints llvm-cov's line coverage of
# the layers and kernels, then every line of them the gate never ran.
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

PROFILES=$(mktemp -d)
trap 'rm -rf "$PROFILES"' EXIT
echo "coverage: building an instrumented slope in $SCRATCH"
"$SWIFT" build --product slope --scratch-path "$SCRATCH" --enable-code-coverage \
  -Xcc -fprofile-instr-generate -Xcc -fcoverage-mapping >"$PROFILES/build.txt" 2>&1 || {
  cat "$PROFILES/build.txt"
  exit 1
}
BIN=$("$SWIFT" build --scratch-path "$SCRATCH" --show-bin-path)/slope
LLVM_PROFILE_FILE="$PROFILES/verify-%p.profraw" "$BIN" verify >"$PROFILES/verify.txt" || {
  status=$?
  cat "$PROFILES/verify.txt"
  echo "coverage: slope verify exited $status; coverage of a red gate means nothing" >&2
  exit 1
}
"$PROFDATA" merge -sparse "$PROFILES"/*.profraw -o "$PROFILES/verify.profdata"

# The aim is over the code that computes a layer's forward or backward: the layers, their
# readable references, the protocol defaults every layer runs, and the C kernels. The
# support code (the tensor type's general API, the config parser, error texts, the
# generator) is listed too, but a gate of passing checks is not where its branches run:
# its unit tests are.
L=Sources/SlopeLayers
LAYERS=("$L/Activations" "$L/Arithmetic" "$L/Convolution" "$L/Dense" "$L/Losses" "$L/Networks" "$L/Normalization"
  "$L/Reference" "$L/Core/Layer.swift" "$L/Core/Cache.swift" "$L/Core/ReusableTensors.swift" "$L/Core/FastPathLayer.swift"
  "$L/Core/Flatten.swift"
  Sources/CKernels)
SUPPORT=("$L/Core/Tensor.swift" "$L/Core/Tensor+Arithmetic.swift" "$L/Core/Tensor+MatrixProduct.swift"
  "$L/Core/LayerRegistry.swift" "$L/Core/LayerKind.swift" "$L/Core/LayerError.swift" "$L/Core/SeededGenerator.swift")

table() {
  "$COV" report "$BIN" -instr-profile "$PROFILES/verify.profdata" "$@" | awk 'NF >= 10 {
    if ($1 == "Filename") printf "%-48s %8s %8s %8s\n", "file", "lines", "missed", "cover"
    else printf "%-48s %8s %8s %8s\n", $1, $(NF-5), $(NF-4), $(NF-3) }'
}
uncovered() {
  "$COV" show "$BIN" -instr-profile "$PROFILES/verify.profdata" "$@" -show-line-counts -use-color=false | awk '
    /^\/.*:$/ { file = $0; sub(/:$/, "", file); sub(/.*\/Sources\//, "Sources/", file); next }
    /^ *[0-9]+\| *0\|/ { split($0, parts, "|"); text = parts[3]; sub(/^ +/, "", text)
                         printf "  %s:%d  %s\n", file, parts[1] + 0, text }'
}

echo "Layers and kernels (the aim):"
table "${LAYERS[@]}"
echo
echo "Lines of the layers and kernels that slope verify never ran:"
uncovered "${LAYERS[@]}"
echo
echo "Support code (for information):"
table "${SUPPORT[@]}"
total=$("$COV" report "$BIN" -instr-profile "$PROFILES/verify.profdata" "${LAYERS[@]}" | awk '/^TOTAL/ { print $(NF-3) }')
echo
echo "coverage: $total of the layer and kernel lines ran under \`slope verify\` alone (aim ≥ $MIN%)"
awk -v got="${total%\%}" -v min="$MIN" 'BEGIN { exit (got + 0 >= min + 0) ? 0 : 1 }' || {
  echo "coverage: below $MIN%" >&2
  exit 1
}

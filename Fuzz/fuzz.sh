#!/bin/sh
# Builds the libFuzzer targets in Fuzz/ with swiftc (ASan + coverage; SwiftPM cannot link
# a module with libFuzzer's main) and runs each for FUZZ_SECONDS seconds (default 60).
#
#   Fuzz/fuzz.sh                  build and run csv, fixture and checkpoint
#   Fuzz/fuzz.sh csv              only some of them
#   FUZZ_SECONDS=600 make fuzz    longer runs
#
# The committed seeds in Fuzz/corpus/<target>/ are only read; inputs libFuzzer finds go to
# fuzz-artifacts/<target>/corpus, crashes to fuzz-artifacts/<target>/crash-*, the log to
# fuzz-artifacts/<target>/log.txt (all git-ignored). Fuzz/json.dict and Fuzz/csv.dict give
# libFuzzer the tokens and edge numbers it would take long to guess. Exits 1 when a
# target fails.
set -eu
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
build=.build-fuzz
artifacts=fuzz-artifacts
targets=${*:-csv fixture checkpoint}
flags="-sanitize=fuzzer,address -O -g -parse-as-library -use-ld=lld"
includes="-I $build -I $build/CKernels -I Sources/CBLAS"
mkdir -p "$build/CKernels" "$artifacts"
# Swift's own crash backtracer would fight libFuzzer's handler (and hang it).
export SWIFT_BACKTRACE=enable=no

# One Swift module (every .swift under Sources/<name>) as $build/lib<name>.a, rebuilt
# when a source or a library it depends on (the other arguments) is newer.
module() {
    name=$1; shift
    newer=""
    [ -f "$build/lib$name.a" ] && newer=$(find "Sources/$name" "$@" -newer "$build/lib$name.a" -print)
    if [ -f "$build/lib$name.a" ] && [ -z "$newer" ]; then return 0; fi
    echo "fuzz: compiling $name"
    swiftc $flags $includes -module-name "$name" -emit-module -emit-module-path "$build/$name.swiftmodule" \
        -emit-library -static -o "$build/lib$name.a" $(find "Sources/$name" -name '*.swift' | sort)
}

# SlopeLayers needs the CKernels C code (its module map is written here) and OpenBLAS.
layers() {
    for c in Sources/CKernels/*.c; do
        clang -c -O2 -g -fsanitize=fuzzer-no-link,address -I Sources/CKernels/include "$c" \
            -o "$build/CKernels/$(basename "$c" .c).o"
    done
    printf 'module CKernels {\n    header "%s/Sources/CKernels/include/CKernels.h"\n    export *\n}\n' "$PWD" \
        > "$build/CKernels/module.modulemap"
    module SlopeLayers
}

for target in $targets; do
    echo "fuzz: building $target"
    rm -f "$build/$target-fuzz"
    case $target in
        csv)
            swiftc $flags Sources/SlopePlot/Data/*.swift Fuzz/CSVFuzz.swift -o "$build/csv-fuzz" ;;
        fixture)
            layers && module SlopeCheck "$build/libSlopeLayers.a"
            swiftc $flags $includes Fuzz/FixtureFuzz.swift -L "$build" -lSlopeCheck -lSlopeLayers \
                "$build"/CKernels/*.o -lopenblas -o "$build/fixture-fuzz" ;;
        checkpoint)
            layers && module SlopeFiles && module SlopeTrain "$build/libSlopeLayers.a" "$build/libSlopeFiles.a"
            swiftc $flags $includes Fuzz/CheckpointFuzz.swift -L "$build" -lSlopeTrain -lSlopeFiles -lSlopeLayers \
                "$build"/CKernels/*.o -lopenblas -o "$build/checkpoint-fuzz" ;;
        *) echo "fuzz: unknown target $target (known: csv fixture checkpoint)" >&2; exit 2 ;;
    esac 2>&1 | grep -v "ld.*warning: Cannot export local symbol" || true
    [ -x "$build/$target-fuzz" ] || { echo "fuzz: $target did not build" >&2; exit 2; }
done

status=0
for target in $targets; do
    mkdir -p "$artifacts/$target/corpus"
    echo "fuzz: running $target for $seconds s"
    case $target in csv) dict=Fuzz/csv.dict ;; *) dict=Fuzz/json.dict ;; esac
    if ! "$build/$target-fuzz" "$artifacts/$target/corpus" "Fuzz/corpus/$target" -dict="$dict" -max_total_time="$seconds" \
        -artifact_prefix="$artifacts/$target/" -print_final_stats=1 > "$artifacts/$target/log.txt" 2>&1; then
        status=1
        grep -E "ERROR|SUMMARY|Fatal error|Test unit written" "$artifacts/$target/log.txt" >&2 || true
        echo "fuzz: $target FAILED, see $artifacts/$target/log.txt" >&2
    fi
    grep -E "^stat::number_of_executed_units|^Done [0-9]+ runs" "$artifacts/$target/log.txt" | sed "s/^/  $target: /"
done
exit $status

#!/usr/bin/env python3
"""`make mutants`: plant one bug at a time in a layer's code path and prove `slope verify` turns red.

Each mutant edits one line of the layers or C kernels (the edit must match exactly once),
builds `slope` in its own scratch directory, runs the default gate and expects exit status 1
with the named check failing. The source is restored after every mutant, whatever happens.
Not part of `make test`: each mutant is a rebuild (about 20 s).
"""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRATCH = ".build-mutants"

# (file, original text, mutated text, the check expected to fail, what the bug is)
MUTANTS = [
    ("Sources/CKernels/Affine.c", "        total += w0;\n", "        total += 2 * w0;\n",
     "Affine/one-output", "C kernel: the bias sum in a column group counts each row twice"),
    ("Sources/CKernels/Affine.c", "y[i * out + j + q] = b[j + q] + x[i] * w[j + q];",
     "y[i * out + j + q] = b[j + q] - x[i] * w[j + q];",
     "Affine/one-input", "C kernel, one input feature: the product's sign"),
    ("Sources/CKernels/Affine.c", "for (size_t i = 0; i < n; i++) dx[i * in + p] = dout[i] * w[p];",
     "for (size_t i = 0; i < n; i++) dx[i * in + p] = 0;",
     "Affine/one-output", "C kernel, one output: the input gradient's tail columns dropped"),
    ("Sources/CKernels/Gemm.c", "for (size_t j = 0; j < n; j++) c[i * n + j] += aip * b[j * ldb + p];",
     "for (size_t j = 0; j < n; j++) c[i * n + j] -= aip * b[j * ldb + p];",
     "Conv2D/narrow", "small A·Bᵀ for k < 4: subtracts"),
    ("Sources/CKernels/Gemm.c", "            for (size_t i = 0; i < m; i++) c[i] += a[p * lda + i] * bp;",
     "            for (size_t i = 0; i < m; i++) c[i] = a[p * lda + i] * bp;",
     "Conv2D/one-position", "small Aᵀ·B with one column: overwrites instead of summing"),
    ("Sources/CKernels/Kernels.c", "_mm256_storeu_pd(y + i, _mm256_div_pd(one, _mm256_add_pd(one, e)));",
     "_mm256_storeu_pd(y + i, _mm256_div_pd(one, _mm256_add_pd(one, _mm256_add_pd(e, e))));",
     "Sigmoid", "the AVX2 path (not the one this CPU trains on, if it has AVX-512): e⁻ˣ doubled"),
    ("Sources/CKernels/Kernels.c", "_mm256_storeu_pd(y + i, _ZGVdN4v_tanh(_mm256_loadu_pd(x + i)));",
     "_mm256_storeu_pd(y + i, _ZGVdN4v_tanh(_mm256_loadu_pd(x + i + 1)));",
     "Tanh", "the AVX2 tanh reads its input one element ahead"),
    ("Sources/CKernels/Kernels.c", "dx[i] = dout[i] * y[i] * (1.0 - y[i]);", "dx[i] = dout[i] * y[i] * (1.0 + y[i]);",
     "Sigmoid", "the backward kernel: 1 + y for 1 − y"),
    ("Sources/SlopeLayers/Arithmetic/Mul.swift", "return Tensor(shape: shape, data: [gradient.sum()])",
     "return Tensor(shape: shape, data: [gradient.sum() / 2])",
     "Mul/scalar-y", "a broadcast scalar's gradient halved"),
    ("Sources/SlopeLayers/Normalization/BatchNorm.swift", "dx.data[k] = dout.data[k] * g * inverseStd[j]",
     "dx.data[k] = dout.data[k] * g", "BatchNorm/inference", "inference backward forgets 1/σ"),
    ("Sources/SlopeLayers/Normalization/Dropout.swift", "guard forwardWasTraining else { return dout }",
     "guard forwardWasTraining else { return dout * 0.5 }", "Dropout/inference", "inference backward halves"),
    ("Sources/SlopeLayers/Networks/Graph.swift", "gradients[argument.id]!.add(gradient)",
     "gradients[argument.id] = gradient", "Graph", "a value used twice keeps only its last gradient"),
    ("Sources/SlopeLayers/Networks/Sequential.swift", "            return gradients[0]\n",
     "            return gradients[0] * 2\n", "Sequential", "a general stage's gradient doubled"),
    ("Sources/SlopeLayers/Convolution/Pooling.swift", "for (o, k) in argmax.enumerated() { dx.data[k] += dout.data[o] }",
     "for (o, k) in argmax.enumerated() { dx.data[k] = dout.data[o] }",
     "MaxPool2D/3×2", "overlapping windows: an input that wins two windows keeps one gradient"),
]


def run(command, log):
    with open(log, "w") as out:
        return subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT).returncode


def main():
    swift = sys.argv[1] if len(sys.argv) > 1 else "swift"
    results = []
    for path, original, mutated, expected, what in MUTANTS:
        source = ROOT / path
        text = source.read_text()
        if text.count(original) != 1:
            results.append((path, what, "stale", f"the original text occurs {text.count(original)} times"))
            continue
        try:
            source.write_text(text.replace(original, mutated))
            log = ROOT / SCRATCH / "mutant.log"
            log.parent.mkdir(exist_ok=True)
            if run([swift, "build", "--product", "slope", "--scratch-path", SCRATCH], log) != 0:
                results.append((path, what, "no build", log.read_text()[-300:]))
                continue
            binary = ROOT / SCRATCH / "debug" / "slope"
            report = ROOT / SCRATCH / "mutant.json"
            status = run([str(binary), "verify", "--format", "json", "--output", str(report)], log)
            failing = {}
            if report.exists():
                for check in json.loads(report.read_text())["reports"]:
                    evidence = [t["tensor"]["name"] for t in check["tensors"] if t.get("verdict") == "fail"]
                    evidence += [i["name"] for i in check["invariants"] if i["verdict"] == "fail"]
                    if "problem" in check:
                        evidence.append("problem")
                    if evidence:
                        failing[check["target"]] = evidence
                report.unlink()
            shown = "; ".join(f"{name} ({', '.join(evidence)})" for name, evidence in list(failing.items())[:3])
            if status == 1 and expected in failing:
                results.append((path, what, "caught", shown))
            else:
                results.append((path, what, "MISSED", f"exit {status}; failing: {shown or 'none'}"))
        finally:
            source.write_text(text)
    width = max(len(r[1]) for r in results)
    for path, what, outcome, detail in results:
        print(f"{outcome:8} {what:{width}}  {pathlib.Path(path).name}: {detail}")
    missed = [r for r in results if r[2] != "caught"]
    print(f"\nmutants: {len(results) - len(missed)} of {len(results)} caught by `slope verify`")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

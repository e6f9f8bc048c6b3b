#!/bin/sh
# Atelier's GPU bench, from a folder written by `npm run bench:bundle`.
#
#   ./run.sh [--smoke] [--python PYTHON] --out DIR
#
# Needs Linux x86-64 with an NVIDIA driver and a Vulkan loader (libvulkan.so.1); nothing
# else. Runs the ops, nets, gan and style suites on WebGPU (Dawn on Vulkan) and, when
# PYTHON (python3 by default) has PyTorch with CUDA, the same cases in PyTorch on CUDA.
# Writes <suite>.json and <suite>.md per suite and environment.txt into DIR.
# --smoke: the suites' tiny cases, one run each: proves the setup in a minute or two,
# even on a software Vulkan driver (VK_ICD_FILENAMES=.../vk_swiftshader_icd.json).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
smoke=""
out=""
python=python3
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke="--smoke" ;;
    --out) [ $# -ge 2 ] || { echo "run.sh: --out needs a folder" >&2; exit 2; }; out="$2"; shift ;;
    --python) [ $# -ge 2 ] || { echo "run.sh: --python needs a path" >&2; exit 2; }; python="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (expected --smoke, --python PYTHON, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$out" ] || { echo "run.sh: --out DIR is required" >&2; exit 2; }
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "run.sh: needs Linux x86-64, this is $(uname -s)-$(uname -m)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Unpacks FILE.xz beside itself once: with xz, or with Python's lzma where xz is missing.
unpack() {
  [ -f "$1" ] && return 0
  echo "run.sh: unpacking $(basename "$1")"
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1.xz" > "$1.tmp"
  elif command -v "$python" >/dev/null 2>&1; then
    "$python" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1.xz" "$1.tmp"
  else
    echo "run.sh: neither xz nor $python is here to unpack $1.xz" >&2; exit 2
  fi
  mv "$1.tmp" "$1"
}
unpack "$here/node"
chmod +x "$here/node"
unpack "$here/app/node_modules/webgpu/dist/linux-x64/dawn.node"

start=$(date +%s)
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kernel: $(uname -sr)"
  echo "node: $("$here/node" --version) (bundled)"
  if command -v nvidia-smi >/dev/null 2>&1; then
    echo "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 4 | tr '\n' ';')"
  else
    echo "nvidia-smi: not found"
  fi
  echo "VK_ICD_FILENAMES: ${VK_ICD_FILENAMES:-unset}"
  if command -v "$python" >/dev/null 2>&1; then
    echo "python: $("$python" -c 'import sys; print(sys.version.split()[0])' 2>&1)"
    echo "torch: $("$python" -c 'import torch; print(torch.__version__, "cuda" if torch.cuda.is_available() else "no cuda", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' 2>&1 | tail -n 1)"
  else
    echo "python: $python not found"
  fi
} > "$out/environment.txt"
cat "$out/environment.txt"

# Each suite in its own process, so that one that fails leaves the others' results.
# A full run must end within 8 minutes: each suite gets at most SUITE_SECONDS (115 by
# default; 4 x 115 s plus unpacking stays under 8 min) where coreutils' timeout exists.
# A smoke run has no limit (a software Vulkan driver is slow by nature).
limit=""
if [ -z "$smoke" ] && command -v timeout >/dev/null 2>&1; then
  limit="timeout ${SUITE_SECONDS:-115}"
fi
status=0
for suite in ops nets gan style; do
  echo "run.sh: suite $suite ($(( $(date +%s) - start )) s so far)"
  if ! $limit "$here/node" "$here/app/bench.mjs" "$suite" --backend webgpu $smoke \
      --reference-device cuda --python "$python" --out "$out"; then
    echo "run.sh: suite $suite failed or ran out of time (see above); going on" >&2
    status=1
  fi
done
echo "run.sh: done in $(( $(date +%s) - start )) s; results in $out"
exit $status

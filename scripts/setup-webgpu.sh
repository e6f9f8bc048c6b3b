#!/usr/bin/env bash
# Installs what WebGPU needs in Node on a Debian machine without a GPU: the Vulkan
# loader and Chromium, whose SwiftShader is a software Vulkan driver Dawn can use
# (Chromium also runs the browser checks). A no-op when both are present.
set -euo pipefail
icd=/usr/lib/chromium/vk_swiftshader_icd.json
if [ -f "$icd" ] && [ -x /usr/bin/chromium ] && ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "setup-webgpu: no apt-get here; install a Vulkan loader and SwiftShader yourself (webgpu tests need them)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup-webgpu: not root and no sudo; install libvulkan1 and chromium yourself" >&2
    exit 0
  fi
fi
echo "setup-webgpu: installing libvulkan1 and chromium (SwiftShader) with apt-get"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libvulkan1 chromium >/dev/null
echo "setup-webgpu: done ($icd)"

#!/usr/bin/env bash
# Installs what WebGPU needs in Node on a Debian machine without a GPU: the Vulkan
# loader and Chromium, whose SwiftShader is a software Vulkan driver Dawn can use.
# Then export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
set -euo pipefail
icd=/usr/lib/chromium/vk_swiftshader_icd.json
if [ -f "$icd" ] && ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
  echo "WebGPU prerequisites present ($icd)"
  exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libvulkan1 chromium >/dev/null
echo "Installed libvulkan1 and chromium; set VK_ICD_FILENAMES=$icd"

#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages needed to build and test neuro.
# Safe to run repeatedly: apt is only touched when something is missing.
set -euo pipefail

packages=(
  g++
  cmake
  ninja-build
  git
  libeigen3-dev
  libfmt-dev
  nlohmann-json3-dev
  zlib1g-dev
  dataset-fashion-mnist
  clang
  libclang-rt-14-dev
  libxml2-utils
  catch2
  libbenchmark-dev
  libopenblas-dev
  pkg-config
  libopenmpi-dev
  openmpi-bin
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "bootstrap: missing packages (${missing[*]}) and not root, and sudo is unavailable" >&2
    exit 1
  fi
fi

echo "bootstrap: missing packages: ${missing[*]}"
echo "bootstrap: running apt-get update"
"${sudo_cmd[@]}" apt-get update
echo "bootstrap: installing ${missing[*]}"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
echo "bootstrap: done"

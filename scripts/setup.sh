#!/usr/bin/env bash
# Installs what freshet needs from Debian 12's packages (only what is missing), then configures
# and builds it in build/ (Release). Idempotent; run as root on a fresh machine.
#   FRESHET_BUILD_DIR   build directory (default: build)
#   FRESHET_CMAKE_ARGS  extra CMake arguments
#   FRESHET_TARGETS     targets to build (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config  # compiler and build
  ccache                            # rebuilds (sanitizer builds, CI on a machine that built before)
  libeigen3-dev                     # matrices, solvers and FFT for models and calculators
  liblapack-dev                     # reference LAPACK: the SVD/least squares/eigenvalues numpy calls
  libtbb-dev                        # the thread backend of mproc
  libboost-dev                      # Boost.Math distributions, Boost.Interprocess shared memory
  libssl-dev                        # OpenSSL libcrypto: remote workers' HMAC-SHA256 handshake
  libcli11-dev                      # the command line
  libfmt-dev                        # {fmt}'s Dragonbox: shortest round-trip digits of doubles in CSV
  nlohmann-json3-dev                # settings and job files
  doctest-dev                       # unit tests
  libopenmpi-dev openmpi-bin        # the MPI backend (docs/cluster.md) and mpiexec for its tests
  # the Python module (python/): Debian's /usr/bin/python3, pybind11, numpy/pandas, the tests'
  # sklearn/pytest, peach's cloudpickle; joblib only for bench/python_peach.py
  python3-dev pybind11-dev python3-pybind11 python3-numpy python3-pandas python3-cloudpickle
  python3-pytest python3-sklearn python3-joblib
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir="${FRESHET_BUILD_DIR:-build}"
# shellcheck disable=SC2086
# ccache only caches compiler output: the same flags and sources give the same objects.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Paths under the checkout are hashed relative to it, so a fresh clone elsewhere (CI's) reuses
# the objects an earlier build of the same sources left in the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
# Builds with debug info (the sanitizer and fuzzing builds) would otherwise hash the build folder
# too; a hit from another checkout then only names that checkout in its debug info.
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-20G}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" ${FRESHET_CMAKE_ARGS:-} >/dev/null
# shellcheck disable=SC2086
cmake --build "$build_dir" ${FRESHET_TARGETS:+--target $FRESHET_TARGETS}

#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing:
# the reference FAT tools (dosfstools: fsck.fat, mkfs.fat; mtools: mcopy,
# mtype, mdir) that our FAT32 is checked against, and Debian's Python
# references run with /usr/bin/python3: scikit-learn (Isolation Forest) and
# PyTorch (training gradients). Runs before `npm test`.
set -euo pipefail
missing=()
command -v fsck.fat >/dev/null 2>&1 || [ -x /usr/sbin/fsck.fat ] || [ -x /sbin/fsck.fat ] || missing+=(dosfstools)
command -v mcopy >/dev/null 2>&1 || missing+=(mtools)
/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1 || missing+=(python3-sklearn)
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || missing+=(python3-torch)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure-host-tools: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "ensure-host-tools: need root to install ${missing[*]}; run: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null

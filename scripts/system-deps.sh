#!/usr/bin/env bash
# Install the Debian packages the test suite drives, when running as root and they are missing.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || missing+=(fonts-wqy-microhei)
compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || missing+=(postgresql)
# The wipe agent's tests: ext4 on loop devices, device-mapper error targets, a second
# verifier of signatures (openssl) and of the certificate PDF (pdftotext, pdftoppm).
command -v mkfs.ext4 > /dev/null || missing+=(e2fsprogs)
command -v losetup > /dev/null || missing+=(mount)
command -v dmsetup > /dev/null || missing+=(dmsetup)
command -v openssl > /dev/null || missing+=(openssl)
command -v pdftotext > /dev/null || missing+=(poppler-utils)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "not root: the tests that need ${missing[*]} will skip (install them with apt-get)" >&2
  exit 0
fi
echo "installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig > /dev/null

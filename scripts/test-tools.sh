#!/usr/bin/env bash
# The Debian tools the tests use against real parts: PostgreSQL 15 (the DATABASE_URL pass of .ci/run), poppler
# (pdftoppm, pdftotext, pdfdetach), zbarimg (decodes printed barcodes), Mosquitto, Chromium (the console's
# browser tests), ffmpeg (turns a printed label into the video the fake camera shows) and a Chinese font. Installs what is missing
# when it can (root or sudo, with apt-get); otherwise says what to install.
set -euo pipefail
need=()
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need+=(postgresql)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
[ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
# Chinese glyphs for the console's screenshots (the browsers of its users have them).
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "the tests need these Debian packages: ${need[*]} (apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null; then
  echo "the tests need: ${need[*]}; install them with your package manager" >&2
  exit 1
fi
echo "installing Debian packages the tests need: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

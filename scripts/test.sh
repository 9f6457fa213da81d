#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need when it is missing,
# then runs the whole suite with the same release profile as the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/campus-radar/target}"

# The interop test reads the store with delta-rs's Python binding.
if ! python3 -c "import deltalake, pyarrow" 2>/dev/null; then
  echo "scripts/test.sh: installing Python deltalake and pyarrow for the interop test" >&2
  python3 -m pip install --quiet --disable-pip-version-check "deltalake>=1.0" "pyarrow>=15"
fi

# The warnings test reads the xlsx export back with an independent reader.
if ! python3 -c "import openpyxl" 2>/dev/null; then
  echo "scripts/test.sh: installing Python openpyxl for the xlsx export test" >&2
  python3 -m pip install --quiet --disable-pip-version-check "openpyxl>=3.1"
fi

# The notification tests send mail to a real local SMTP server.
if ! python3 -c "import aiosmtpd" 2>/dev/null; then
  echo "scripts/test.sh: installing Python aiosmtpd for the notification tests" >&2
  python3 -m pip install --quiet --disable-pip-version-check "aiosmtpd>=1.4"
fi

# The profile tests open the html profile in headless Chromium (Debian's package).
if ! command -v chromium >/dev/null 2>&1; then
  echo "scripts/test.sh: installing Debian's chromium for the html profile test" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# The browser test drives Chromium through chromedriver (WebDriver); the CJK font makes the
# Chinese pages render in its screenshots.
if ! command -v chromedriver >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "scripts/test.sh: installing Debian's chromium-driver and fonts-noto-cjk for the browser test" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium-driver fonts-noto-cjk >/dev/null
fi

cargo test --release --locked "$@"

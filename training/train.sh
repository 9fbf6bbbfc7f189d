#!/usr/bin/env bash
# Retrains the learned router: installs what training needs (Debian's numpy, SciPy and scikit-learn), then
# runs train_router.py, which rewrites data/router_weights.json and tests/cases/router/*.json. Rebuild after
# (make test): the weights are embedded in the binary.
#
#   training/train.sh [DATA_DIR] [--seeds N]        # DATA_DIR: ../shared/data/routerbench by default
#   training/train.sh --compare                      # the model-family comparison (compare_models.py)
#
# python3-sklearn cannot be installed with apt on this project's machines: it depends on python3-pythran,
# which needs libboost-dev (1.74), and that conflicts with the libboost1.81-dev modelmux builds with. The
# three packages whose files are pure Python and prebuilt modules (python3-scipy, python3-sklearn,
# python3-sklearn-lib) are therefore unpacked from Debian's own .deb files into build/pydeps and put on
# PYTHONPATH; their other dependencies install normally.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS="$ROOT/build/pydeps"
SITE="$DEPS/root/usr/lib/python3/dist-packages"

if ! /usr/bin/python3 -c 'import sklearn, scipy' 2>/dev/null && [ ! -d "$SITE/sklearn" ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-numpy python3-joblib \
      python3-threadpoolctl python3-decorator libblas3 liblapack3 libgfortran5 >/dev/null
  fi
  mkdir -p "$DEPS/debs"
  (cd "$DEPS/debs" && apt-get download python3-scipy python3-sklearn python3-sklearn-lib >/dev/null)
  for deb in "$DEPS"/debs/*.deb; do dpkg -x "$deb" "$DEPS/root"; done
fi

export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
if [ "${1:-}" = --compare ]; then
  shift
  exec /usr/bin/python3 "$ROOT/training/compare_models.py" "$@"
fi
exec /usr/bin/python3 "$ROOT/training/train_router.py" "$@"

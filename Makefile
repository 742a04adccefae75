# Two entry points, also the README's first two commands.
.PHONY: setup demo test

UV := $(shell command -v uv 2>/dev/null || echo .venv-tools/bin/uv)

$(UV):
	python3 -m venv .venv-tools && .venv-tools/bin/pip install -q uv==0.13.9

setup: $(UV)
	$(UV) sync --frozen --extra dev

demo: setup
	$(UV) run --frozen retainly demo

test: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen pytest


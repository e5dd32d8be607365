# 学实助手 — `make run` starts the bot, `make test` runs ruff and the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench eval install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

run: install
	@echo "学实助手启动中：另开一个终端，用 '$(BIN)/xueshi chat' 在终端里对话，或向 http://127.0.0.1:8080/api/ask 发 POST。"
	$(BIN)/xueshi serve

lint: dev
	$(BIN)/ruff check .

test: dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: dev
	$(BIN)/python bench/faq_latency.py

eval: install
	$(BIN)/xueshi faq eval tests/data/paraphrases.jsonl

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info

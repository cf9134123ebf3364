# The README's two commands: `make run` and `make test`. Both set everything up on a fresh
# machine with only Python 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
# One upload limit for the server and the checks before parsing.
export RECRUIT_DASH_MAX_UPLOAD_MB ?= 50

.PHONY: install run test lint bench sample clean

install: $(STAMP)

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

run: install
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true \
		--server.maxUploadSize $(RECRUIT_DASH_MAX_UPLOAD_MB)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/history.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/team_load.py

sample: install
	$(BIN)/python sample_data/make_sample.py

clean:
	rm -rf $(VENV) .pytest_cache bench/.cache

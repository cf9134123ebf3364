"""Entry point for `python -m recruit_dash`."""

import sys

from recruit_dash.cli import main

sys.exit(main())

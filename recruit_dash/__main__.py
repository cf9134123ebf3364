"""Entry point for `python -m recruit_dash`."""

import os
import sys

from recruit_dash.cli import main

try:
    sys.exit(main())
except BrokenPipeError:  # the reader stopped early (`| head`): not an error of ours
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)

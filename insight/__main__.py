"""``python -m insight``: see :mod:`insight.cli`."""

import sys

from insight.cli import main

sys.exit(main())

"""``python -m upr``: the same as the ``upr`` command."""

import sys

from upr import main

sys.exit(main())

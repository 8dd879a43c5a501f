"""``python -m kpi_lib.warm [--idle SECONDS]``: the warm renderer in the foreground (entry
point; the server is :mod:`kpi_lib.run.warm_renderer`)."""

import sys

from kpi_lib.run.warm_renderer import main

if __name__ == "__main__":
    sys.exit(main())

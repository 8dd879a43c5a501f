"""``python -m kpi_lib``: the command line behind the Makefile."""

from .cli import main

if __name__ == "__main__":
    main()

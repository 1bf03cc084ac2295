"""``python -m portal`` is the ``portal`` command."""

from portal.cli import main

if __name__ == "__main__":
    main()

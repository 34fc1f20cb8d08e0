"""``python -m ramtid``: the same as the ``ramtid`` command."""

import sys

from ramtid.cli import main

if __name__ == "__main__":
    sys.exit(main())

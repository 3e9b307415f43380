"""``python -m deepbiop``: the command line (``deepbiop --help``)."""

from deepbiop.cli import main

if __name__ == "__main__":
    main()

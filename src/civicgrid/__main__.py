"""Allow ``python -m civicgrid``."""

from civicgrid.cli import main

main()

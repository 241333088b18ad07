"""`python -m orchestration.cli`: the same as the `tbm` command."""

from orchestration.cli import main

main()

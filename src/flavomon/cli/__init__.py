"""Command-line interface: ``flavomon <command>`` (one module per sub-command, see :mod:`flavomon.cli.main`)."""

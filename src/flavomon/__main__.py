"""``python -m flavomon``: the ``flavomon`` command (:func:`flavomon.cli.main.main`)."""
import sys

try:
    from .cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the package loads: one line, like the command itself
    print("flavomon: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())

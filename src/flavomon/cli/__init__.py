"""Command-line interface: ``flavomon <command>``.  See INTERFACES.md."""

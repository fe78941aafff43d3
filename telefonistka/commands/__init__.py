"""One module per CLI subcommand; ``telefonistka.cli`` registers them in order."""

"""What the bot knows of GitHub without a client: API addresses, ref names, writable paths."""

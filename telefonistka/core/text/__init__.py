"""Text the bot writes for people: markdown pieces, rendered templates, and log-safe lines."""

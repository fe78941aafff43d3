"""The use cases: one module per job the bot does for a user, shared by both front doors.

Each works on the pure core and reaches repositories, pull requests and endpoints only
through the seams in ``telefonistka.ports`` (``CodeHost`` and its parts, ``WebhookSender``),
so the Action and the CLI hand them whichever adapter they built, and tests a fake.
"""

"""The built-in example: an IaC repo and a scripted promotion story (``telefonistka demo``)."""

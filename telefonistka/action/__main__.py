"""``python -m telefonistka.action``: run the Action once from the environment, as the
container's ``entrypoint.py`` does (``telefonistka event`` runs this)."""

import os
import sys

if __name__ == "__main__":
    from telefonistka.action.main import main

    sys.exit(main(os.environ))

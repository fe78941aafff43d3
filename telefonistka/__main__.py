"""``python -m telefonistka`` runs the same CLI as the ``telefonistka`` script."""

import sys

from telefonistka.cli import main

sys.exit(main())

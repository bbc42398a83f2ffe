import sys

from cita.cli import main

sys.exit(main())

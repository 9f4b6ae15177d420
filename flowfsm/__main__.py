"""``python -m flowfsm``: the ``flowfsm`` command (see :mod:`flowfsm.cli`)."""

from flowfsm.cli import main

raise SystemExit(main())

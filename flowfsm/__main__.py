"""``python -m flowfsm``: the ``flowfsm`` command (see :mod:`flowfsm.tools.cli`)."""

from flowfsm.tools.cli import main

raise SystemExit(main())

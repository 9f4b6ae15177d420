"""``python -m flowfsm.tools.playground [play|run] [TARGET...]`` (``play`` is the default)."""

from flowfsm.tools.playground.cli import main

raise SystemExit(main())

"""``python -m flowfsm.playground [play|run] [TARGET...]`` (``play`` is the default)."""

from flowfsm.playground.cli import main

raise SystemExit(main())

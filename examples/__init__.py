"""Runnable example flows. Each module defines its flows at top level and a ``main()`` bot."""

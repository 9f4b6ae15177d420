"""What runs the definitions: the manager and its parts, sessions and their store, custom ids, rendering, the Discord response."""

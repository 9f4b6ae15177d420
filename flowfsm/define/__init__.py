"""What bot authors write: flows, states, screens, items, guards, pagination, texts."""

"""Background work each serving process does on its own schedule."""

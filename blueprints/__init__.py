"""HTTP blueprints, one per feature. They parse input, call one service, render."""

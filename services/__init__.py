"""Domain rules: validate, check permissions, write in one transaction, then publish."""

"""The records an office keeps, made from the registry: the agenda book and the disposition sheet."""

"""The disposition tree: a letter's first holder, replies applied to it, its status."""

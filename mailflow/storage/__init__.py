"""Where things are kept: the database (engine, tables, migrations) and content-addressed files."""

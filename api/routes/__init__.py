"""The HTTP routes, one module per area; each route parses, calls qa/ or index/, formats."""

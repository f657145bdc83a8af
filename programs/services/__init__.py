"""Business rules of the partner program, one module per subdomain."""

"""HTTP plumbing shared by the gateway and every service (Flask + flask-smorest)."""

"""Users, invites and roles, the team's shape, and who may see or change what."""

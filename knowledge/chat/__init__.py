"""The chat gateway: conversations, live handoff to agents, feedback, office hours."""

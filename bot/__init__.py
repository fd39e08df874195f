"""The Rasa bot: configuration, domain, channels and the custom NLU components."""

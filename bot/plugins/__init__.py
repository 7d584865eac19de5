"""What Rasa loads by dotted path (config.yml, credentials.yml, endpoints.yml): channels, the NLU
component, tracker and lock store."""

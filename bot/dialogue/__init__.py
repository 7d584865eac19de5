"""What the chat says and asks: topics, answers, fallback, forms, reading a visitor's answer,
message preparation."""

"""Running the assistant: processes, the server stack, deployment settings, background jobs, the
run supervisor, in-process conversations."""

"""Our own web servers: the demo site with the widget, the support console, the model server, and the
action server wrapper (each started as its own process by bot.ops.processes)."""

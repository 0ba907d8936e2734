"""Rules about how calls are sent: request paths, loops, promises."""

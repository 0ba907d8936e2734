"""Rules about clients, keys, regions and SDK versions."""
